#!/usr/bin/env bash
# `npm start` (web part): build the wasm engine if it is missing or older than its sources, bundle
# CodeMirror 6 from node_modules into www/dist/ when stale (offline: esbuild, a dev dependency),
# then serve the repository on 127.0.0.1 and print the editor's URL (http://127.0.0.1:PORT/www/).
#   PORT=8080 bash scripts/start-web.sh     (default port 8080; PORT=0 picks a free one)
set -euo pipefail
cd "$(dirname "$0")/.."

WASM=js/wasm/bigedit_wasm_bg.wasm
stale() {
  [ ! -f "$WASM" ] && return 0
  [ -n "$(find core/src wasm/src wasm/Cargo.toml core/Cargo.toml Cargo.lock -newer "$WASM" -print -quit 2>/dev/null)" ]
}
if stale; then
  echo "building the wasm engine (npm run build)..."
  bash scripts/build-wasm.sh
fi

[ -d node_modules/@codemirror/view ] && [ -d node_modules/esbuild ] || npm install --no-audit --no-fund
node scripts/build-web.mjs

exec node --input-type=module -e '
  const { serve } = await import(process.cwd() + "/scripts/serve.mjs");
  const { url } = await serve(".", { port: Number(process.env.PORT ?? 8080), quiet: !process.env.SERVE_LOG });
  console.log(`bigedit web editor: ${url}www/  (Ctrl+C to stop)`);
'
