#!/usr/bin/env bash
# The main job until the web page lands: build the CLI and show it editing a generated sample
# log (a few hundred MB, made once under sample/) without loading it. `npm start`.
set -euo pipefail
cd "$(dirname "$0")/.."

MIB=${SAMPLE_MIB:-256}
DIR=${SAMPLE_DIR:-sample}
FILE="$DIR/sample.log"

cargo build --release --locked -p bigedit --quiet
BIGEDIT=target/release/bigedit
mkdir -p "$DIR"

if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -lt $((MIB * 1024 * 1024)) ]; then
  echo "generating $FILE ($MIB MiB of log lines)..."
  python3 - "$FILE" "$MIB" <<'PY'
import sys
path, mib = sys.argv[1], int(sys.argv[2])
target = mib * 1024 * 1024
levels = ["INFO", "DEBUG", "WARN", "INFO", "ERROR", "INFO"]
with open(path, "wb") as f:
    n, written, block = 1, 0, []  # n is the line number
    while written < target:
        line = f"2026-11-25T12:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z {levels[n % 6]:5} worker-{n % 16:02d} request {n} handled in {n * 7 % 997} ms\n"
        block.append(line)
        written += len(line)
        n += 1
        if len(block) == 50_000:
            f.write("".join(block).encode()); block = []
    f.write("".join(block).encode())
PY
fi

run() { printf '\n$ bigedit %s\n' "$*"; "$BIGEDIT" "$@"; }

run info "$FILE"
LINES=$("$BIGEDIT" --json info "$FILE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lines"])')
MID=$((LINES / 2))
run read "$FILE" "$MID:$((MID + 2))"
run find "$FILE" "request $MID " --max 1
run replace-lines "$FILE" "$MID" --with "edited by bigedit on $(date -u +%FT%TZ)" --dry-run
run replace-lines "$FILE" "$MID" --with "edited by bigedit on $(date -u +%FT%TZ)"
run read "$FILE" "$MID"
run --json read "$FILE" "$LINES"
printf '\nThe sample stays in %s (delete it when done). Try: %s --help\n' "$FILE" "$BIGEDIT"
