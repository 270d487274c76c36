#!/usr/bin/env bash
# Every test of the project, from a fresh clone: `npm test`.
# Installs what it needs (idempotently), then checks formatting, lints, and runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage is stamped with the minutes since the start, so a slow stage shows in the CI log.
say() { printf '\n== %s [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

say "toolchain"
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
if command -v rustup >/dev/null; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
fi
cargo --version

say "fault-injection tools (strace, fiu-utils)"
# The safety tests inject failures with strace and need root for loop devices and mounts.
missing=()
command -v strace >/dev/null || missing+=(strace)
command -v fiu-run >/dev/null || missing+=(fiu-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null \
      || echo "could not install ${missing[*]}: the tests that need them will say NOT RUN"
  else
    echo "not root: cannot install ${missing[*]}; the tests that need them will say NOT RUN"
  fi
fi

say "npm packages (test fixtures: CommonMark spec, csv-spectrum)"
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
# Idempotent: npm ci only when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

say "format"
cargo fmt --all --check

say "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "tests (model test: ${PROPTEST_CASES:=10000} cases)"
export PROPTEST_CASES
log=$(mktemp)
export BIGEDIT_FIGURES=$(mktemp) BIGEDIT_NOT_RUN=$(mktemp)
trap 'rm -f "$log" "$BIGEDIT_FIGURES" "$BIGEDIT_NOT_RUN"' EXIT
# The wasm crate's tests are wasm-bindgen tests: they run in Chromium below (test-wasm.sh), and
# building them for the host would only compile wasm-bindgen's macros once more.
# The object tests need a server: the s3 stage below starts one and runs them.
BIGEDIT_S3_LATER=1 cargo test --workspace --exclude bigedit-wasm --locked 2>&1 | tee "$log"

say "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

# The JavaScript side. Each script installs what it needs (wasm32 target, wasm-bindgen-cli at
# the Cargo.lock version, Debian chromium/chromium-driver, npm packages) and is runnable alone.
say "wasm glue (wasm-bindgen-test in a dedicated worker, headless Chromium)"
bash scripts/test-wasm.sh 2>&1 | tee -a "$log"
say "npm package (wasm build, types, Node tests, packaging smoke test)"
bash scripts/test-js.sh 2>&1 | tee -a "$log"
say "MCP server (official TypeScript SDK client)"
bash scripts/test-mcp.sh 2>&1 | tee -a "$log"
say "objects in S3-compatible storage (SeaweedFS in target/s3-venv on 127.0.0.1)"
bash scripts/test-s3.sh 2>&1 | tee -a "$log"
say "Python package (maturin build in target/py-venv, pytest, mypy --strict)"
bash scripts/test-python.sh 2>&1 | tee -a "$log"
say "web editor (headless Chromium, ${WEB_BIG_MIB:=1024} MiB file)"
export WEB_BIG_MIB
bash scripts/test-web.sh 2>&1 | tee -a "$log"
say "fuzzing (every target a few seconds; scripts/fuzz.sh runs them for hours)"
bash scripts/fuzz.sh --short 2>&1 | tee -a "$log"
say "fault-test figures"
cat "$BIGEDIT_FIGURES"
if [ -s "$BIGEDIT_NOT_RUN" ]; then
  say "NOT RUN (a facility is missing on this machine)"
  cat "$BIGEDIT_NOT_RUN"
fi
# One closing line for the whole suite (cargo prints one per test binary).
# Counted: cargo and wasm-bindgen-test ("test result:"), the npm package ("js: N passed, N
# failed"), the Python package ("python: N passed, N failed"), and the TAP summaries of the
# MCP and web suites ("# pass N", "# fail N").
{
  grep '^test result:' "$log" | awk '{ print $4, $6 }'
  grep -E '^js: [0-9]+ passed' "$log" | awk '{ print $2, $4 }'
  grep -E '^python: [0-9]+ passed' "$log" | awk '{ print $2, $4 }'
  grep -E '^# (pass|fail) [0-9]+$' "$log" | awk '$2 == "pass" { print $3, 0 } $2 == "fail" { print 0, $3 }'
} | awk '{ p += $1; f += $2 } END { printf "all checks passed\n%d passed, %d failed\n", p, f }'
say "done in $((SECONDS / 60)) min"
