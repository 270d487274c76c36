#!/usr/bin/env bash
# The object-storage case (issue 19): on a local SeaweedFS (scripts/s3-server.sh), a 1 GiB
# object (BENCH_OBJECT_MIB) gets a one-line edit with and without a cached index, a late-line
# read with the cached index, and the whole-object baseline with the same client (download in
# 8 MiB ranged GETs + the same CLI edit locally + upload in 8 MiB parts). Release build.
#
# Usage: bench/objects.sh   (needs ~3x BENCH_OBJECT_MIB of free disk under $TMPDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_OBJECT_MIB=${BENCH_OBJECT_MIB:-1024}
source scripts/s3-server.sh
cargo build --release -p bigedit --bin bigedit --locked
BIGEDIT_BIN="$(pwd)/target/release/bigedit" \
  cargo test --release -p bigedit-tests --test objects --locked -- --ignored --nocapture bench_ 2>&1 \
  | grep -E '^objects bench|test result|panicked|error'
