#!/usr/bin/env bash
# Objects in S3-compatible storage (issue 19): starts SeaweedFS on free loopback ports
# (scripts/s3-server.sh: installed into target/s3-venv when missing, stopped on exit) and runs
# the object tests (tests/tests/objects.rs) against it. Idempotent; runnable alone; extra
# arguments go to the test binary (`scripts/test-s3.sh faults --nocapture`). Ends with cargo's
# `test result:` line.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "curl is required"; exit 1; }
source scripts/s3-server.sh
cargo test -p bigedit-tests --test objects --locked -- --test-threads=2 "$@"
