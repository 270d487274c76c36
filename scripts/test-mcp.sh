#!/usr/bin/env bash
# End-to-end test of `bigedit mcp` with the official MCP TypeScript SDK as a real client.
# Builds the release binary, installs the npm packages if needed, runs `node --test tests/mcp/`.
# Idempotent. BIGEDIT_MCP_BIG_MB sets the size of the generated large file (default 300; 0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -p bigedit --bin bigedit
if [ ! -d node_modules/@modelcontextprotocol/sdk ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
BIGEDIT_BIN="$(cd "$target" && pwd)/release/bigedit" node --test tests/mcp/
