#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers and planners (fuzz/, libFuzzer via libfuzzer-sys).
#   bash scripts/fuzz.sh                 every target for FUZZ_SECONDS each (default 3600: hours
#                                        in all), then minimizes the corpora into fuzz/corpus/
#   bash scripts/fuzz.sh --short         what npm test runs: every target for FUZZ_SHORT seconds
#                                        (default 8; about a minute in all) on a copy of the
#                                        corpora, leaving the repository untouched
#   FUZZ_TARGETS="markdown csv" ...      only those targets
# Uses `cargo fuzz` when installed (cargo install cargo-fuzz); otherwise builds with the same
# coverage flags itself, which works on stable Rust (only sanitizers need nightly). A crash
# fails the script and leaves its input under fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

SHORT=0
[ "${1:-}" = "--short" ] && SHORT=1
TARGETS=${FUZZ_TARGETS:-"ranges lines markdown csv edits chunks"}
SECONDS_EACH=$([ $SHORT = 1 ] && echo "${FUZZ_SHORT:-8}" || echo "${FUZZ_SECONDS:-3600}")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}/fuzz

# The build: cargo-fuzz's flags without a sanitizer, for an explicit --target so that build
# scripts and proc macros are built without them (as cargo-fuzz does).
HOST=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo build --release --manifest-path fuzz/Cargo.toml --target "$HOST" --quiet
BIN=$CARGO_TARGET_DIR/$HOST/release

# Seeds: the minimized corpora kept in the repository, plus fixtures (the CommonMark spec's
# examples, csv-spectrum, the edit-list cases) when they are there.
seed() {
  local target=$1 dir=$2
  mkdir -p "$dir"
  [ -d "fuzz/corpus/$target" ] && cp -r "fuzz/corpus/$target/." "$dir/" 2>/dev/null || true
  case $target in
    markdown|chunks)
      [ -f node_modules/commonmark-spec/spec.txt ] && awk -v dir="$dir" '
        /^```````````````````````````````` example/ { n++; f = sprintf("%s/spec-%04d", dir, n); inex = 1; next }
        /^````````````````````````````````$/ { inex = 0; next }
        inex && $0 == "." { inex = 0; next }
        inex { gsub(/→/, "\t"); print > f }' node_modules/commonmark-spec/spec.txt || true ;;
    csv) [ -d node_modules/csv-spectrum/csvs ] && cp node_modules/csv-spectrum/csvs/*.csv "$dir/" || true ;;
    edits) [ -f tests/cases/edits.json ] && cp tests/cases/edits.json "$dir/" || true ;;
  esac
}

status=0
for t in $TARGETS; do
  work=$(mktemp -d)
  seed "$t" "$work/corpus"
  mkdir -p "fuzz/artifacts/$t"
  before=$(ls "$work/corpus" | wc -l)
  log="$work/log"
  if "$BIN/$t" "$work/corpus" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 \
      -rss_limit_mb=1024 -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    after=$(ls "$work/corpus" | wc -l)
    echo "fuzz $t: $runs executions in ${SECONDS_EACH} s, corpus $before -> $after inputs, no crash"
    if [ $SHORT = 0 ]; then
      # Keep a minimized corpus in the repository.
      rm -rf "fuzz/corpus/$t.new" && mkdir -p "fuzz/corpus/$t.new"
      "$BIN/$t" -merge=1 "fuzz/corpus/$t.new" "$work/corpus" >/dev/null 2>&1
      rm -rf "fuzz/corpus/$t" && mv "fuzz/corpus/$t.new" "fuzz/corpus/$t"
    fi
  else
    echo "fuzz $t: FAILED (input under fuzz/artifacts/$t/):"
    grep -E 'panicked|ERROR|SUMMARY' "$log" | head -5
    status=1
  fi
  rm -rf "$work"
done
exit $status
