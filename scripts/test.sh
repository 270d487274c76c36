#!/usr/bin/env bash
# Every test of the project, from a fresh clone: `npm test`.
# Installs what it needs (idempotently), then checks formatting, lints, and runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

say "toolchain"
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
if command -v rustup >/dev/null; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
fi
cargo --version

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
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"

say "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
# One closing line for the whole suite (cargo prints one per test binary).
grep '^test result:' "$log" | awk '{ p += $4; f += $6 } END { printf "all checks passed\n%d passed, %d failed\n", p, f }'
