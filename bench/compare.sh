#!/usr/bin/env bash
# Compares bigedit with the standard tools on one generated text file, in one run.
#
# Usage: bench/compare.sh [SIZE_MIB]     (default 1024: ~9.9M lines of ~109 bytes)
#
# Prints the machine, then one table per comparison (median wall time, peak RSS, ratios):
#   1. bigedit index              vs wc -l
#   2. bigedit read N (cached)    vs sed -n 'Np;Nq'
#   3. bigedit replace-lines N    vs the durable-copy floor (cp + sync of the copy), sed -i, perl -pi
#   4. bigedit replace (literal)  vs the floor, sed -i, sd
# bigedit fsyncs what it writes, so "cp FILE COPY && sync COPY" is the honest floor for any tool
# that rewrites the file durably; sed, perl and sd do not fsync. The editing tables also show
# "cp + sync + mv over FILE": the floor plus replacing the original, which frees its blocks and
# cached pages as every rewrite-and-rename tool must. Every editing run starts from the same
# pristine bytes: the file is restored and synced before each run, outside the timing.
# Each tool's output is checked once against the others (cmp); a mismatch prints FAIL and makes
# the script exit 1 after all tables.
#
# Environment:
#   BENCH_DIR          work directory (default bench/work, gitignored); needs ~5x SIZE free
#   BENCH_RUNS         runs per measurement (default 5)
#   BENCH_INSTALL_SD=1 `cargo install sd --locked` when sd is missing
set -euo pipefail

SIZE_MIB=${1:-1024}
RUNS=${BENCH_RUNS:-5}
if ! [[ $SIZE_MIB =~ ^[1-9][0-9]*$ && $RUNS =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [SIZE_MIB]   (SIZE_MIB and BENCH_RUNS are positive integers)" >&2
    exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEASURE=$ROOT/bench/measure.py
WORK=${BENCH_DIR:-$ROOT/bench/work}

log() { echo "compare.sh: $*" >&2; }

log "building bigedit (release)"
cargo build --release -p bigedit --manifest-path "$ROOT/Cargo.toml" >&2
BIGEDIT=${CARGO_TARGET_DIR:-$ROOT/target}/release/bigedit

mkdir -p "$WORK"
need_kib=$((SIZE_MIB * 1024 * 5))
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
PRISTINE=$RUN_DIR/pristine.log # generated once, never edited
FILE=$RUN_DIR/file.log         # what the tools edit; restored from PRISTINE before each run
COPY=$RUN_DIR/copy.log         # the floor's destination
EXPECTED=$RUN_DIR/expected.log # bigedit's output, for the correctness checks

# Shell-quoted paths for the command strings measure.py runs.
qB=$(printf %q "$BIGEDIT")
qP=$(printf %q "$PRISTINE")
qF=$(printf %q "$FILE")
qC=$(printf %q "$COPY")
RESTORE="cp $qP $qF && sync"
RESTORE_INDEXED="$RESTORE && $qB index $qF"
# A durable copy that then replaces FILE, as bigedit and sed -i do: it also pays for freeing the
# old FILE's blocks and cached pages (about 0.8 s per GiB on ext4 here), which cp + sync does not.
RESTORE_FOR_MV="rm -f $qC && $RESTORE"
REPLACE_FLOOR="cp $qP $qC && sync $qC && mv $qC $qF"

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

log "generating $SIZE_MIB MiB in $RUN_DIR"
counts=$(generate "$PRISTINE" "$SIZE_MIB")
read -r LINES RARE_LINE <<<"$counts"
MID=$((LINES / 2))
cp "$PRISTINE" "$FILE"
cat "$PRISTINE" "$FILE" >/dev/null # warm the page cache
sync

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
echo "work dir: $WORK ($(stat -f -c %T "$WORK"))"
echo "bigedit: $("$BIGEDIT" --version) at $rev"
echo "tools: $(sed --version | head -1); $(wc --version | head -1); perl $(perl -e 'print $^V');" \
    "sd: $([[ -n $SD ]] && "$SD" --version || echo "not installed")"
echo "input: $(stat -c %s "$PRISTINE") bytes, $LINES lines; middle line N = $MID;" \
    "RARE_TOKEN_42 once, on line $RARE_LINE"
echo "each row: median of $RUNS runs, page cache warm; editing runs restore and sync the file first (untimed)"
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
measure "$R" "cp + sync (floor)" "rm -f $qC && sync" "cp $qP $qC && sync $qC"
measure "$R" "cp (no fsync)" "rm -f $qC && sync" "cp $qP $qC"
measure "$R" "cp + sync + mv over FILE" "$RESTORE_FOR_MV" "$REPLACE_FLOOR"
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
measure "$R" "cp + sync (floor)" "rm -f $qC && sync" "cp $qP $qC && sync $qC"
measure "$R" "cp (no fsync)" "rm -f $qC && sync" "cp $qP $qC"
measure "$R" "cp + sync + mv over FILE" "$RESTORE_FOR_MV" "$REPLACE_FLOOR"
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

echo "finished in ${SECONDS} s; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
if ((${#FAILED[@]})); then
    echo "FAIL: ${#FAILED[@]} check(s) failed: ${FAILED[*]}"
    exit 1
fi
echo "all checks passed"
