#!/usr/bin/env bash
# Browser tests of the web editor (tests/web/): headless Debian Chromium driven by playwright-core.
# Installs what is missing (idempotent): Debian chromium, the npm dev dependencies; builds the
# native CLI (the reference for the saved files) and the wasm engine when missing.
#   WEB_BIG_MIB=1024 (size of the big text file; the issue asks for 1 GiB)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y chromium \
    || { $SUDO apt-get -o DPkg::Lock::Timeout=300 update && $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y chromium; }
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/@codemirror/state ]; then
  if grep -q '"playwright-core"' package.json; then npm install --no-audit --no-fund; else npm install --no-save --no-audit --no-fund playwright-core; fi
fi

TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -p bigedit --quiet
export BIGEDIT="$TARGET/release/bigedit"
[ -f js/wasm/bigedit_wasm_bg.wasm ] || bash scripts/build-wasm.sh

mkdir -p target/screenshots
node --test --test-concurrency=1 tests/web/
echo "screenshots: target/screenshots/"
