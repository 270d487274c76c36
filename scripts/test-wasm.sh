#!/usr/bin/env bash
# The wasm glue tests (wasm/tests/worker.rs): wasm-bindgen-test in a dedicated worker of
# headless Chromium, driven by chromedriver. Idempotent bootstrap: the wasm32 target and
# wasm-bindgen-cli (scripts/build-wasm.sh --tools), Debian chromium + chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '== %s\n' "$*"; }

bash scripts/build-wasm.sh --tools
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "chromium and chromium-driver are missing and we are not root: install them, then rerun"
    exit 1
  fi
  say "apt-get install chromium chromium-driver"
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium chromium-driver
fi

export CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver)}
# Chromium refuses to run as root without --no-sandbox: capabilities for the runner.
export WASM_BINDGEN_TEST_WEBDRIVER_JSON=$PWD/wasm/webdriver.json
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
unset NO_HEADLESS

say "wasm-bindgen-test in a dedicated worker (headless Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
# cargo runs test binaries from the crate directory, where the runner also looks for
# webdriver.json (older runners ignore the env variable).
cargo test --locked --target wasm32-unknown-unknown -p bigedit-wasm
