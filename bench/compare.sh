#!/usr/bin/env bash
# Compares bigedit with the standard tools on generated files, in one run.
#
# Usage: bench/compare.sh [CASE...] [SIZE_MIB]
#   CASE: text, csv, md (default: all three). SIZE_MIB: size of the text log (default 1024:
#   ~9.9M lines of ~109 bytes).
#
# Prints the machine, then one table per comparison (median wall time, peak RSS, ratios):
#   text 1. bigedit index              vs wc -l
#   text 2. bigedit read N (cached)    vs sed -n 'Np;Nq'
#   text 3. bigedit replace-lines N    vs the durable-copy floor (cp + sync of the copy), sed -i, perl -pi
#   text 4. bigedit replace (literal)  vs the floor, sed -i, sd
#   csv:    bigedit csv set (1 GiB, ~10.4M rows, status set on the 1/10 where city=Paris)
#           vs the floor, Miller `mlr -I --csv put`, a Python csv-module script; then
#           bigedit csv remove-column (a change on every row) vs the floor and `mlr cut -x`
#   md:     bigedit md replace --body (one section of a 256 MiB document) vs the floor; its
#           atomic commit is streamed (written while the section is searched,
#           native/src/commit_stream.rs), so it costs about max(scan, copy) + the last fsync
# bigedit fsyncs what it writes, so "cp FILE COPY && sync COPY" is the honest floor for any tool
# that rewrites the file durably; sed, perl, sd, Miller and Python do not fsync. The editing
# tables also show "cp + sync + mv over FILE": the floor plus replacing the original, which
# frees its blocks and cached pages as every rewrite-and-rename tool must. Every editing run
# starts from the same pristine bytes: the file is restored and synced before each run, outside
# the timing. Outputs are checked (cmp) against bigedit's and, for csv and md, against an
# expectation computed by an independent Python script; a mismatch prints FAIL and makes the
# script exit 1 after all tables. The issue's targets are printed as "target met/MISSED" lines
# (informative: they depend on the machine).
#
# Environment:
#   BENCH_DIR          work directory (default bench/work, gitignored); needs ~5x SIZE free
#   BENCH_RUNS         runs per measurement (default 5; Miller and Python: at most 3)
#   BENCH_CSV_MIB      size of the CSV (default 1024)
#   BENCH_MD_MIB       size of the Markdown document (default 256)
#   BENCH_INSTALL_SD=1 `cargo install sd --locked` when sd is missing
# Miller is installed with apt-get when missing (the csv case needs it).
set -euo pipefail

usage() {
    echo "usage: $0 [text|csv|md]... [SIZE_MIB]   (SIZE_MIB, BENCH_RUNS, BENCH_CSV_MIB and" \
        "BENCH_MD_MIB are positive integers)" >&2
    exit 2
}
SIZE_MIB=1024
CASES=()
for arg in "$@"; do
    case $arg in
    text | csv | md) CASES+=("$arg") ;;
    *) if [[ $arg =~ ^[1-9][0-9]*$ ]]; then SIZE_MIB=$arg; else usage; fi ;;
    esac
done
((${#CASES[@]})) || CASES=(text csv md)
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=$((RUNS < 3 ? RUNS : 3))
CSV_MIB=${BENCH_CSV_MIB:-1024}
MD_MIB=${BENCH_MD_MIB:-256}
for n in "$RUNS" "$CSV_MIB" "$MD_MIB"; do [[ $n =~ ^[1-9][0-9]*$ ]] || usage; done
wants() { [[ " ${CASES[*]} " == *" $1 "* ]]; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEASURE=$ROOT/bench/measure.py
WORK=${BENCH_DIR:-$ROOT/bench/work}

log() { echo "compare.sh: $*" >&2; }

log "building bigedit (release)"
cargo build --release -p bigedit --manifest-path "$ROOT/Cargo.toml" >&2
BIGEDIT=${CARGO_TARGET_DIR:-$ROOT/target}/release/bigedit

mkdir -p "$WORK"
need_mib=0
wants text && need_mib=$((SIZE_MIB * 5))
wants csv && ((CSV_MIB * 5 > need_mib)) && need_mib=$((CSV_MIB * 5))
wants md && ((MD_MIB * 5 > need_mib)) && need_mib=$((MD_MIB * 5))
need_kib=$((need_mib * 1024))
free_kib=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
if ((free_kib < need_kib)); then
    echo "compare.sh: $WORK has $((free_kib / 1024)) MiB free, needs $((need_kib / 1024)) MiB" >&2
    exit 1
fi
RUN_DIR=$(mktemp -d "$WORK/run.XXXXXX")
cleanup() {
    rm -rf "$RUN_DIR"
    if [[ -z ${BENCH_DIR:-} ]]; then rmdir "$WORK" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export BIGEDIT_CACHE_DIR=$RUN_DIR/cache
qB=$(printf %q "$BIGEDIT")

# use_files EXT: the file names of one case, and the shell-quoted command strings over them.
use_files() {
    PRISTINE=$RUN_DIR/pristine.$1 # generated once, never edited
    FILE=$RUN_DIR/file.$1         # what the tools edit; restored from PRISTINE before each run
    COPY=$RUN_DIR/copy.$1         # the floor's destination
    EXPECTED=$RUN_DIR/expected.$1 # the expected output, for the correctness checks
    # Shell-quoted paths for the command strings measure.py runs.
    qP=$(printf %q "$PRISTINE")
    qF=$(printf %q "$FILE")
    qC=$(printf %q "$COPY")
    RESTORE="cp $qP $qF && sync"
    RESTORE_INDEXED="$RESTORE && $qB index $qF"
    # A durable copy that then replaces FILE, as bigedit and sed -i do: it also pays for freeing
    # the old FILE's blocks and cached pages (about 0.8 s per GiB on ext4 here), which cp + sync
    # does not.
    RESTORE_FOR_MV="rm -f $qC && $RESTORE"
    REPLACE_FLOOR="cp $qP $qC && sync $qC && mv $qC $qF"
}

# floors RESULTS: the durable-copy floor rows every editing table starts with.
floors() {
    measure "$1" "cp + sync (floor)" "rm -f $qC && sync" "cp $qP $qC && sync $qC"
    measure "$1" "cp (no fsync)" "rm -f $qC && sync" "cp $qP $qC"
    measure "$1" "cp + sync + mv over FILE" "$RESTORE_FOR_MV" "$REPLACE_FLOOR"
}

# rss_kib RESULTS NAME / secs RESULTS NAME: a measured row's peak RSS (KiB) or median seconds.
rss_kib() { awk -F'\t' -v n="$2" '$1 == n { print $3 }' "$1"; }
secs() { awk -F'\t' -v n="$2" '$1 == n { print $2 }' "$1"; }

# target TEXT CONDITION...: prints whether one of the issue's targets is met (never fails).
target() {
    local text=$1
    shift
    if "$@"; then echo "target met:    $text"; else echo "target MISSED: $text"; fi
}
# le A B: whether the number A <= B.
le() { python3 -c 'import sys; sys.exit(not float(sys.argv[1]) <= float(sys.argv[2]))' "$1" "$2"; }

# --- helpers ----------------------------------------------------------------------------------

FAILED=()
# check NAME CMD...: runs CMD once; it must succeed.
check() {
    local name=$1
    shift
    if "$@"; then
        echo "check ok:   $name"
    else
        echo "check FAIL: $name"
        FAILED+=("$name")
    fi
}

# measure RESULTS NAME SETUP CMD: times CMD (after SETUP, untimed, when not empty).
measure() {
    log "timing: $2"
    local setup=()
    if [[ -n $3 ]]; then setup=(--setup "$3"); fi
    python3 "$MEASURE" run --runs "$RUNS" --out "$1" --name "$2" "${setup[@]}" "$4"
}

table() { python3 "$MEASURE" table "$@"; }

# sd, installed on request; its literal-mode flag changed name in 1.0 (-s became -F).
SD=$(command -v sd || true)
if [[ -z $SD && ${BENCH_INSTALL_SD:-} == 1 ]]; then
    log "installing sd"
    cargo install sd --locked >&2 || log "cargo install sd failed; going on without sd"
    SD=$(command -v sd || echo "${CARGO_HOME:-$HOME/.cargo}/bin/sd")
    [[ -x $SD ]] || SD=
fi
SD_LITERAL=-F
if [[ -n $SD && $("$SD" --help) != *--fixed-strings* ]]; then SD_LITERAL=-s; fi

# --- header -----------------------------------------------------------------------------------

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576; exit }' /proc/meminfo)
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then rev="$rev (uncommitted changes)"; fi
echo "bigedit vs standard tools — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs (${cpu:-unknown CPU}), $mem RAM, $(uname -sr) $(uname -m)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
# The file system and its mount options: `discard` makes freeing a replaced file's blocks cost
# real time (~0.25 s per 256 MiB here), which every rewrite-and-rename pays and cp + sync not.
echo "work dir: $WORK ($(findmnt -no FSTYPE,OPTIONS -T "$WORK" 2>/dev/null || stat -f -c %T "$WORK"))"
echo "bigedit: $("$BIGEDIT" --version) at $rev"
echo "tools: $(sed --version | head -1); $(wc --version | head -1); perl $(perl -e 'print $^V');" \
    "sd: $([[ -n $SD ]] && "$SD" --version || echo "not installed")"
echo "each row: median of $RUNS runs (Miller and Python: $SLOW_RUNS), page cache warm; editing runs restore and sync the file first (untimed)"
echo

# --- text: a log file ---------------------------------------------------------------------

# --- the input --------------------------------------------------------------------------------

# Writes a deterministic log-like file of about SIZE MiB (whole 1000-line blocks, every line
# distinct through its request id) with RARE_TOKEN_42 on one line in the middle. Prints
# "LINES RARE_LINE".
generate() {
    python3 - "$1" "$2" <<'PY'
import sys

path, mib = sys.argv[1], int(sys.argv[2])
LEVELS = ["INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"]
SERVICES = ["api", "auth", "billing", "search", "storage", "worker"]
PATHS = ["/v1/items", "/v1/users/me", "/v1/orders", "/v2/search?q=disk", "/healthz", "/v1/blob"]
METHODS = ["GET", "GET", "POST", "PUT", "DELETE"]
STATUS = ["200", "200", "200", "201", "204", "304", "404", "500"]
PER_BLOCK = 1000
ID = b"@@@@@@@"  # 7-digit block number, so every block has the same length

state = 42
def rand(n):
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return (state >> 33) % n

def line(j):
    return (f"2024-05-17T{rand(24):02d}:{rand(60):02d}:{rand(60):02d}.{rand(1000):03d}Z "
            f"{LEVELS[rand(6)]} [{SERVICES[rand(6)]}-{rand(16):02d}] req={ID.decode()}{j:03d} "
            f"{METHODS[rand(5)]} {PATHS[rand(6)]} status={STATUS[rand(8)]} "
            f"bytes={rand(100000)} dur_ms={rand(5000)}\n")

template = "".join(line(j) for j in range(PER_BLOCK)).encode()
blocks = max(1, (mib << 20) // len(template))
middle = blocks // 2
rare_in_block = PER_BLOCK // 2
with open(path, "wb") as out:
    for b in range(blocks):
        block = template.replace(ID, b"%07d" % b)
        if b == middle:
            lines = block.split(b"\n")
            lines[rare_in_block] = b"2024-05-17T12:00:00.000Z ERROR [bench-00] RARE_TOKEN_42 seen once"
            block = b"\n".join(lines)
        out.write(block)
print(blocks * PER_BLOCK, middle * PER_BLOCK + rare_in_block + 1)
PY
}

bench_text() {
    use_files log
    log "generating $SIZE_MIB MiB in $RUN_DIR"
    counts=$(generate "$PRISTINE" "$SIZE_MIB")
    read -r LINES RARE_LINE <<<"$counts"
    MID=$((LINES / 2))
    cp "$PRISTINE" "$FILE"
    cat "$PRISTINE" "$FILE" >/dev/null # warm the page cache
    sync

    echo "input: $(stat -c %s "$PRISTINE") bytes, $LINES lines; middle line N = $MID;" \
        "RARE_TOKEN_42 once, on line $RARE_LINE"
    echo
    # --- 1. index vs wc -l ------------------------------------------------------------------------

    R=$RUN_DIR/index.tsv
    bigedit_lines=$("$BIGEDIT" --json info "$FILE" | python3 -c 'import json, sys; print(json.load(sys.stdin)["lines"])')
    measure "$R" "wc -l" "" "wc -l $qF"
    measure "$R" "bigedit index" "" "$qB index $qF"
    measure "$R" "bigedit --no-cache index" "" "$qB --no-cache index $qF"
    table --title "count lines: bigedit index vs wc -l" --baseline "wc -l" "$R"
    check "bigedit info lines ($bigedit_lines) = wc -l" [ "$bigedit_lines" = "$(wc -l <"$FILE")" ]
    echo

    # --- 2. read one middle line ------------------------------------------------------------------

    R=$RUN_DIR/read.tsv
    "$BIGEDIT" index "$FILE" >/dev/null
    measure "$R" "true (launch overhead)" "" "true"
    measure "$R" "sed -n 'Np;Nq'" "" "sed -n '${MID}p;${MID}q' $qF"
    measure "$R" "bigedit read N (cached index)" "" "$qB read $qF $MID"
    table --title "read line $MID: bigedit read (cached index) vs sed" --baseline "sed -n 'Np;Nq'" \
        --speedup-of "bigedit read N (cached index)" "$R"
    check "bigedit read N = sed -n 'Np;Nq'" cmp -s <("$BIGEDIT" read "$FILE" "$MID") <(sed -n "${MID}p;${MID}q" "$FILE")
    echo

    # --- 3. replace one middle line ---------------------------------------------------------------

    R=$RUN_DIR/replace-lines.tsv
    TEXT="2024-05-17T12:00:00.000Z INFO  [bench-00] line replaced by compare.sh"
    floors "$R"
    measure "$R" "bigedit replace-lines" "$RESTORE" "$qB replace-lines $qF $MID --with '$TEXT'"
    measure "$R" "bigedit replace-lines (cached index)" "$RESTORE_INDEXED" "$qB replace-lines $qF $MID --with '$TEXT'"
    measure "$R" "sed -i 'Nc\\TEXT'" "$RESTORE" "sed -i '${MID}c\\$TEXT' $qF"
    measure "$R" "perl -pi" "$RESTORE" "perl -pi -e '\$_ = \"$TEXT\\n\" if \$. == $MID' $qF"
    table --title "replace line $MID: bigedit replace-lines vs durable copy, sed -i, perl -pi" \
        --baseline "cp + sync (floor)" --speedup-of "bigedit replace-lines" "$R"
    cp "$PRISTINE" "$FILE" && "$BIGEDIT" replace-lines "$FILE" "$MID" --with "$TEXT" >/dev/null
    mv "$FILE" "$EXPECTED"
    check "bigedit: line N is the new text" [ "$(sed -n "${MID}p;${MID}q" "$EXPECTED")" = "$TEXT" ]
    check "bigedit: only line N changed" \
        cmp -s <(sed "${MID}d" "$PRISTINE") <(sed "${MID}d" "$EXPECTED")
    cp "$PRISTINE" "$FILE" && sed -i "${MID}c\\$TEXT" "$FILE"
    check "sed -i output = bigedit output" cmp "$FILE" "$EXPECTED"
    cp "$PRISTINE" "$FILE" && perl -pi -e "\$_ = \"$TEXT\\n\" if \$. == $MID" "$FILE"
    check "perl -pi output = bigedit output" cmp "$FILE" "$EXPECTED"
    echo

    # --- 4. literal replace of a rare token -------------------------------------------------------

    R=$RUN_DIR/replace.tsv
    floors "$R"
    measure "$R" "bigedit replace" "$RESTORE" "$qB replace $qF --find RARE_TOKEN_42 --with FOUND_TOKEN_43"
    measure "$R" "bigedit replace (cached index)" "$RESTORE_INDEXED" \
        "$qB replace $qF --find RARE_TOKEN_42 --with FOUND_TOKEN_43"
    measure "$R" "sed -i s/../../g" "$RESTORE" "sed -i 's/RARE_TOKEN_42/FOUND_TOKEN_43/g' $qF"
    if [[ -n $SD ]]; then
        measure "$R" "sd $SD_LITERAL" "$RESTORE" "$(printf %q "$SD") $SD_LITERAL RARE_TOKEN_42 FOUND_TOKEN_43 $qF"
    else
        python3 "$MEASURE" note --out "$R" "sd" "not installed (BENCH_INSTALL_SD=1 installs it)"
    fi
    table --title "replace RARE_TOKEN_42 (one match): bigedit replace vs durable copy, sed -i, sd" \
        --baseline "cp + sync (floor)" --speedup-of "bigedit replace" "$R"
    cp "$PRISTINE" "$FILE" && "$BIGEDIT" replace "$FILE" --find RARE_TOKEN_42 --with FOUND_TOKEN_43 >/dev/null
    mv "$FILE" "$EXPECTED"
    check "bigedit: line $RARE_LINE has the replacement" \
        [ "$(sed -n "${RARE_LINE}p;${RARE_LINE}q" "$EXPECTED")" = "2024-05-17T12:00:00.000Z ERROR [bench-00] FOUND_TOKEN_43 seen once" ]
    check "bigedit: only line $RARE_LINE changed" \
        cmp -s <(sed "${RARE_LINE}d" "$PRISTINE") <(sed "${RARE_LINE}d" "$EXPECTED")
    cp "$PRISTINE" "$FILE" && sed -i 's/RARE_TOKEN_42/FOUND_TOKEN_43/g' "$FILE"
    check "sed -i output = bigedit output" cmp "$FILE" "$EXPECTED"
    if [[ -n $SD ]]; then
        cp "$PRISTINE" "$FILE" && "$SD" "$SD_LITERAL" RARE_TOKEN_42 FOUND_TOKEN_43 "$FILE"
        check "sd output = bigedit output" cmp "$FILE" "$EXPECTED"
    fi
    echo

}

# --- csv: set a cell in 1M of ~10M rows -------------------------------------------------------

# Writes a CSV of about SIZE MiB: header id,name,city,status,amount,note; every row's status is
# "pending"; city is Paris on every 10th row; every 7th note is quoted and holds a comma.
# Prints "ROWS PARIS_ROWS".
generate_csv() {
    python3 - "$1" "$2" <<'PY'
import sys

path, mib = sys.argv[1], int(sys.argv[2])
CITIES = ["Berlin", "Madrid", "Rome", "Lisbon", "Vienna", "Prague", "Dublin", "Oslo", "Athens"]
target = mib << 20
rows = size = paris = 0
with open(path, "wb") as out:
    head = b"id,name,city,status,amount,note\n"
    out.write(head)
    size = len(head)
    while size < target:
        block = []
        for i in range(rows + 1, rows + 10001):
            city = "Paris" if i % 10 == 0 else CITIES[i % 9]
            note = (f'"delivered late, customer called back about order {i}"' if i % 7 == 0
                    else f"standard delivery to the front desk for order {i}")
            block.append(f"{i},customer-{i:08d},{city},pending,{i * 37 % 10000}.{i % 100:02d},{note}\n")
        data = "".join(block).encode()
        out.write(data)
        size += len(data)
        rows += 10000
        paris += 1000
print(rows, paris)
PY
}

# The expected result of setting status=shipped where city=Paris, computed independently of
# bigedit: the generator never quotes the first four fields, so they are the text between the
# first four commas; every other byte is copied.
expect_csv() {
    python3 - "$1" "$2" <<'PY'
import sys

with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    out.write(f.readline())
    for line in f:
        parts = line.split(b",", 4)
        if parts[2] == b"Paris":
            parts[3] = b"shipped"
            line = b",".join(parts)
        out.write(line)
PY
}

# measure_mlr RESULTS NAME COMMAND: times a Miller command (fewer runs: it is slow), or notes
# that Miller is not installed.
measure_mlr() {
    if command -v mlr >/dev/null; then
        RUNS=$SLOW_RUNS measure "$1" "$2" "$RESTORE" "$3"
    else
        python3 "$MEASURE" note --out "$1" "$2" "not installed"
    fi
}

bench_csv() {
    use_files csv
    local R=$RUN_DIR/csv.tsv
    if ! command -v mlr >/dev/null; then
        log "installing miller (apt-get)"
        { apt-get install -y miller || { apt-get update && apt-get install -y miller; }; } >&2 ||
            log "apt-get install miller failed; going on without Miller"
    fi
    log "generating a $CSV_MIB MiB CSV in $RUN_DIR"
    read -r rows paris <<<"$(generate_csv "$PRISTINE" "$CSV_MIB")"
    expect_csv "$PRISTINE" "$EXPECTED"
    # Python's csv module, rewriting the file through a temporary file as `mlr -I` does.
    local py=$RUN_DIR/csv_set.py
    cat >"$py" <<'PY'
import csv, os, sys

path = sys.argv[1]
with open(path, newline="") as f, open(path + ".tmp", "w", newline="") as out:
    r, w = csv.reader(f), csv.writer(out, lineterminator="\n")
    header = next(r)
    w.writerow(header)
    city, status = header.index("city"), header.index("status")
    for row in r:
        if row[city] == "Paris":
            row[status] = "shipped"
        w.writerow(row)
os.replace(path + ".tmp", path)
PY
    cp "$PRISTINE" "$FILE"
    cat "$PRISTINE" "$FILE" >/dev/null
    sync
    echo "csv input: $(stat -c %s "$PRISTINE") bytes, $rows rows; city=Paris on $paris rows;" \
        "tools: $(mlr --version 2>/dev/null || echo "Miller not installed"), Python $(python3 -c 'import platform; print(platform.python_version())')"
    echo
    local SET="csv set $qF --where city=Paris --set status=shipped"
    local MLR="mlr -I --csv put 'if (\$city == \"Paris\") { \$status = \"shipped\" }' $qF"
    floors "$R"
    measure "$R" "bigedit csv set" "$RESTORE" "$qB $SET"
    measure_mlr "$R" "mlr -I --csv put" "$MLR"
    RUNS=$SLOW_RUNS measure "$R" "python3 csv module" "$RESTORE" "python3 $(printf %q "$py") $qF"
    table --title "set status where city=Paris ($paris of $rows rows): bigedit csv set vs durable copy, Miller, Python csv" \
        --baseline "cp + sync (floor)" --speedup-of "bigedit csv set" "$R"
    cp "$PRISTINE" "$FILE" && eval "$qB $SET" >/dev/null
    check "bigedit csv set output = independent expectation (untouched rows byte-identical)" \
        cmp "$FILE" "$EXPECTED"
    if command -v mlr >/dev/null; then
        cp "$PRISTINE" "$FILE" && eval "$MLR"
        echo "info: Miller output differs from the expectation on" \
            "$(cmp -l "$FILE" "$EXPECTED" 2>/dev/null | wc -l) bytes"
    fi
    cp "$PRISTINE" "$FILE" && python3 "$py" "$FILE"
    echo "info: Python csv output differs from the expectation on" \
        "$(cmp -l "$FILE" "$EXPECTED" 2>/dev/null | wc -l) bytes"
    local b m p
    b=$(secs "$R" "bigedit csv set")
    target "peak RSS under 32 MiB ($(($(rss_kib "$R" "bigedit csv set") / 1024)) MiB)" \
        test "$(rss_kib "$R" "bigedit csv set")" -lt $((32 * 1024))
    m=$(secs "$R" "mlr -I --csv put")
    if [[ -n $m ]]; then target "5x faster than Miller ($b s vs $m s)" le "$(python3 -c "print($b * 5)")" "$m"; fi
    p=$(secs "$R" "python3 csv module")
    target "8x faster than Python csv ($b s vs $p s)" le "$(python3 -c "print($b * 8)")" "$p"
    echo
    bench_csv_column "$rows"
}

# An edit of every row: remove the last column (note). bigedit writes the new file while it
# plans, holding a bounded number of changes (one splice per row would be 16 bytes x rows).
bench_csv_column() {
    local R=$RUN_DIR/csv-column.tsv
    # The expectation, computed independently: the first five fields are never quoted, so a
    # row without its note is the text before its fifth comma.
    python3 - "$PRISTINE" "$EXPECTED" <<'PY'
import sys

with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    for line in f:
        out.write(b",".join(line.split(b",", 5)[:5]) + b"\n")
PY
    local DROP="csv remove-column $qF note"
    local MLR="mlr -I --csv cut -x -f note $qF"
    floors "$R"
    measure "$R" "bigedit csv remove-column" "$RESTORE" "$qB $DROP"
    measure_mlr "$R" "mlr -I --csv cut -x" "$MLR"
    table --title "remove the note column from all $1 rows: bigedit csv remove-column vs durable copy, Miller" \
        --baseline "cp + sync (floor)" --speedup-of "bigedit csv remove-column" "$R"
    cp "$PRISTINE" "$FILE" && eval "$qB $DROP" >/dev/null
    check "bigedit csv remove-column output = independent expectation" cmp "$FILE" "$EXPECTED"
    target "peak RSS under 32 MiB with a change on every row ($(($(rss_kib "$R" "bigedit csv remove-column") / 1024)) MiB)" \
        test "$(rss_kib "$R" "bigedit csv remove-column")" -lt $((32 * 1024))
    echo
}

# --- md: replace one section's body in a 256 MiB document -------------------------------------

# Writes a Markdown document of about SIZE MiB: chapters "# Chapter N" with parts "## Part M",
# some with code fences and indented code holding "#" lines, and "### Notes M" subsections.
# Prints the number of chapters.
generate_md() {
    python3 - "$1" "$2" <<'PY'
import sys

path, mib = sys.argv[1], int(sys.argv[2])
PARA = ("Large documents are edited one section at a time; the rest of the file stays as it is, "
        "byte for byte, whatever its size.\n")
def chapter(n):
    out = [f"# Chapter {n}\n\nIntro of chapter {n}. " + PARA + "\n"]
    for m in range(1, 9):
        out.append(f"## Part {m}\n\n" + PARA * 3 + "\n")
        if m % 3 == 0:
            out.append("```sh\n# not a heading: a shell comment\nmake -j4 # build\n## still code\n```\n\n")
        if m % 4 == 0:
            out.append(f"### Notes {m}\n\n- item one\n- item two\n\n    # indented code, not a heading\n\n")
    return "".join(out).encode()
n = size = 0
with open(path, "wb") as f:
    while size < mib << 20:
        n += 1
        c = chapter(n)
        f.write(c)
        size += len(c)
print(n)
PY
}

# The expected document after replacing the body of "Chapter N > Part 3" with NEW (which ends
# with a newline): everything between its heading line and "## Part 4" of that chapter becomes
# NEW plus one blank line, as bigedit's docs define it. Computed without a Markdown parser: the
# generator's headings are known lines.
expect_md() {
    python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys

src, dst, chapter, new = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
data = open(src, "rb").read()
start = data.index(b"\n# Chapter %s\n" % chapter.encode()) + 1
head = data.index(b"\n## Part 3\n", start) + len(b"\n## Part 3\n")
end = data.index(b"\n## Part 4\n", head) + 1
with open(dst, "wb") as out:
    out.write(data[:head] + open(new, "rb").read() + b"\n" + data[end:])
PY
}

bench_md() {
    use_files md
    local R=$RUN_DIR/md.tsv
    log "generating a $MD_MIB MiB Markdown document in $RUN_DIR"
    local chapters
    chapters=$(generate_md "$PRISTINE" "$MD_MIB")
    local chapter=$((chapters / 2))
    local new=$RUN_DIR/new-body.txt
    printf 'A new body for this part.\n\nWith two paragraphs.\n' >"$new"
    expect_md "$PRISTINE" "$EXPECTED" "$chapter" "$new"
    cp "$PRISTINE" "$FILE"
    cat "$PRISTINE" "$FILE" >/dev/null
    sync
    echo "md input: $(stat -c %s "$PRISTINE") bytes, $chapters chapters of 8 parts;" \
        "section \"Chapter $chapter > Part 3\" in the middle"
    echo
    local REPLACE="md replace $qF 'Chapter $chapter > Part 3' --body --from $(printf %q "$new")"
    floors "$R"
    measure "$R" "bigedit md replace --body" "$RESTORE" "$qB $REPLACE"
    # The same, freeing the replaced version in the command itself rather than in the
    # detached child that outlives it (native/src/retire.rs): the cost moved off the path.
    measure "$R" "  same, BIGEDIT_FREE_INLINE=1" "$RESTORE" "BIGEDIT_FREE_INLINE=1 $qB $REPLACE"
    measure "$R" "bigedit md read (find the section)" "" "$qB md read $qP 'Chapter $chapter > Part 3'"
    table --title "replace the body of one section: bigedit md replace vs durable copy" \
        --baseline "cp + sync (floor)" --speedup-of "bigedit md replace --body" "$R"
    cp "$PRISTINE" "$FILE" && eval "$qB $REPLACE" >/dev/null
    check "bigedit md replace output = independent expectation" cmp "$FILE" "$EXPECTED"
    local b f m
    b=$(secs "$R" "bigedit md replace --body")
    f=$(secs "$R" "cp + sync (floor)")
    m=$(secs "$R" "cp + sync + mv over FILE")
    target "md replace within 1.3x of cp + sync ($b s vs $f s)" le "$b" "$(python3 -c "print($f * 1.3)")"
    # Informative: bigedit also replaces FILE, so it pays for freeing the old file's blocks and
    # cached pages (on the last close, after the rename), as the "mv over FILE" floor does.
    echo "md replace / (cp + sync + mv over FILE): $(python3 -c "print(f'{$b / $m:.2f}x')")" \
        "($b s vs $m s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
}

for case in "${CASES[@]}"; do
    "bench_$case"
    rm -f "$RUN_DIR"/*.log "$RUN_DIR"/*.csv "$RUN_DIR"/*.md
done

echo "finished in ${SECONDS} s; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
if ((${#FAILED[@]})); then
    echo "FAIL: ${#FAILED[@]} check(s) failed: ${FAILED[*]}"
    exit 1
fi
echo "all checks passed"
