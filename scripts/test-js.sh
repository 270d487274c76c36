#!/usr/bin/env bash
# The JavaScript side of the suite (called by scripts/test.sh; runnable alone):
# installs what it needs (idempotently), builds the wasm package and the native CLI, checks the
# TypeScript types, then runs the Node tests (tests/js/): the proxy, parity with the CLI on the
# shared cases of tests/cases/edits.json, >4 GiB offsets and bounded memory, and the packaging
# smoke test (npm pack, install in a fresh directory, import in Node and in headless Chromium).
# Ends with one line: "js: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
start=$(date +%s)

say "js: npm packages"
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
# npm ci when node_modules is missing, older than the lock file, or lacks a dev dependency.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ] \
  || [ ! -d node_modules/typescript ] || [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

say "js: chromium (browser smoke test)"
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get -o DPkg::Lock::Timeout=300 update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium) >/dev/null \
      || echo "could not install chromium: the browser smoke test will say NOT RUN"
  else
    echo "not root: cannot install chromium; the browser smoke test will say NOT RUN"
  fi
fi
command -v chromium >/dev/null && chromium --version 2>/dev/null || true

say "js: build the wasm package (scripts/build-wasm.sh)"
bash scripts/build-wasm.sh

say "js: build the native CLI (parity tests)"
cargo build --release --locked -p bigedit --quiet
export BIGEDIT_BIN="${CARGO_TARGET_DIR:-target}/release/bigedit"
[ -x "$BIGEDIT_BIN" ] || { echo "no CLI at $BIGEDIT_BIN"; exit 1; }

say "js: types (tsc --noEmit)"
npx --no-install tsc -p tests/js/types/tsconfig.browser.json
npx --no-install tsc -p tests/js/types/tsconfig.node.json
echo "types check"

say "js: node --test tests/js/"
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
status=0
node --expose-gc --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  tests/js/ || status=$?

pass=$(awk '/^# pass /{ print $3 }' "$tap" | tail -1)
fail=$(awk '/^# fail /{ print $3 }' "$tap" | tail -1)
say "js: done in $(( $(date +%s) - start )) s"
echo "js: ${pass:-0} passed, ${fail:-0} failed"
exit "$status"
