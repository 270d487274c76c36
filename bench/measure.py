#!/usr/bin/env python3
"""Time commands and print comparison tables (used by bench/compare.sh).

Two subcommands, so that the shell script owns *what* runs and this file owns *how* it is
measured and printed:

    measure.py run --name NAME [--runs N] [--setup CMD] --out RESULTS -- CMD
        Runs CMD (through bash) N times, after running SETUP (untimed) before each run. Measures
        the wall time and the peak RSS of each run with os.wait4, whose ru_maxrss (KiB on Linux)
        covers the process and the descendants it waited for (see run_once for how Python's own
        memory is kept out of it). Appends one line to RESULTS:
        NAME, median seconds, largest peak RSS in KiB, runs (tab-separated). A failing run
        (non-zero exit) stops everything and prints the command's stderr.

    measure.py note --out RESULTS NAME TEXT
        Appends a row that was not measured (e.g. "sd", "not installed").

    measure.py table --title TITLE --baseline NAME [--speedup-of NAME] RESULTS
        Prints the rows of RESULTS with their time relative to the baseline row and, with
        --speedup-of, how many times faster that row is than each other row.

Standard library only.
"""

import argparse
import ctypes
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SEP = "\t"


# Why the command runs as an orphan: a process's ru_maxrss keeps the high-water mark of every
# memory image it had, and a child forked (or vforked) from this Python process starts with
# Python's ~15 MiB, so wait4 on a direct child would report at least that for `wc -l`. Instead,
# this process becomes a child subreaper; a throwaway bash forks a subshell that waits on a pipe,
# prints its pid and exits. Once that subshell is re-parented here, the clock starts and the pipe
# releases it to run the command; wait4 then reports only the subshell (a small bash) and what it
# waited for. The clock so leaves out bash's own start-up.
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"measure.py: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")


def run_once(cmd):
    """Runs `cmd` once; returns (seconds, peak RSS KiB). Exits with its stderr on failure."""
    go_r, go_w = os.pipe()
    launcher = (f"( read -r _ <&{go_r} || exit 99; exec {go_r}<&-\n{cmd}\n)"
                " </dev/null >/dev/null & echo $!")
    with tempfile.TemporaryFile() as err:
        with subprocess.Popen(["bash", "-c", launcher], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=err, pass_fds=(go_r,)) as shell:
            os.close(go_r)
            pid = int(shell.stdout.read())
        start = time.perf_counter()
        os.write(go_w, b"\n")
        os.close(go_w)
        try:
            _, status, usage = os.wait4(pid, 0)
        except KeyboardInterrupt:
            os.kill(pid, signal.SIGTERM)  # it ignores SIGINT, as background jobs do
            raise
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
            sys.exit(f"measure.py: exit status {code} from: {cmd}")
    return elapsed, usage.ru_maxrss


def cmd_run(args):
    become_subreaper()
    times, peaks = [], []
    for _ in range(args.runs):
        if args.setup:
            subprocess.run(["bash", "-c", args.setup], check=True, stdout=subprocess.DEVNULL)
        seconds, peak_kib = run_once(args.cmd)
        times.append(seconds)
        peaks.append(peak_kib)
    row = [args.name, f"{statistics.median(times):.6f}", str(max(peaks)), str(args.runs)]
    with open(args.out, "a", encoding="utf-8") as out:
        out.write(SEP.join(row) + "\n")


def cmd_note(args):
    with open(args.out, "a", encoding="utf-8") as out:
        out.write(SEP.join([args.name, "-", "-", args.text]) + "\n")


def read_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            name, secs, peak, extra = line.rstrip("\n").split(SEP)
            rows.append({"name": name,
                         "secs": None if secs == "-" else float(secs),
                         "peak_mib": None if peak == "-" else int(peak) / 1024,
                         "extra": extra})
    return rows


def find_secs(rows, name, flag):
    for row in rows:
        if row["name"] == name and row["secs"] is not None:
            return row["secs"]
    sys.exit(f"measure.py: {flag} {name!r} is not a measured row")


def fmt_secs(secs):
    return f"{secs:.3f}" if secs >= 0.1 else f"{secs:.4f}"


def fmt_ratio(ratio):
    if ratio >= 100:
        return f"{ratio:.0f}"
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.2g}"


def cmd_table(args):
    rows = read_rows(args.results)
    base = find_secs(rows, args.baseline, "--baseline")
    ref = find_secs(rows, args.speedup_of, "--speedup-of") if args.speedup_of else None

    header = ["tool", "median s", "peak RSS MiB", f"x {args.baseline}"]
    if ref is not None:
        header.append("speedup")
    table = [header]
    for row in rows:
        if row["secs"] is None:
            table.append([row["name"], row["extra"]])
            continue
        cells = [row["name"], fmt_secs(row["secs"]), f"{row['peak_mib']:.1f}",
                 fmt_ratio(row["secs"] / base)]
        if ref is not None:
            cells.append("" if row["name"] == args.speedup_of else fmt_ratio(row["secs"] / ref) + "x")
        table.append(cells)

    widths = [max(len(r[0]) for r in table)]
    widths += [max(len(r[i]) for r in table if len(r) > 2) for i in range(1, len(header))]
    print(f"== {args.title} ==")
    for i, cells in enumerate(table):
        if len(cells) == 2:  # an unmeasured row: name and note
            print(f"{cells[0]:<{widths[0]}}  {cells[1]}")
            continue
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:])]
        print("  ".join([first] + rest).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    runs = {row["extra"] for row in rows if row["secs"] is not None}
    print(f"(median of {'/'.join(sorted(runs))} runs; peak RSS is the largest of the runs)")
    if ref is not None:
        print(f"(speedup = row time / {args.speedup_of!r} time: above 1, {args.speedup_of!r} is faster)")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="time a command and append its row to RESULTS")
    run.add_argument("--name", required=True)
    run.add_argument("--runs", type=int, default=5)
    run.add_argument("--setup", help="shell command run (untimed) before each run")
    run.add_argument("--out", required=True, help="results file to append to")
    run.add_argument("cmd", help="shell command to time")
    run.set_defaults(func=cmd_run)

    note = sub.add_parser("note", help="append an unmeasured row to RESULTS")
    note.add_argument("--out", required=True)
    note.add_argument("name")
    note.add_argument("text")
    note.set_defaults(func=cmd_note)

    table = sub.add_parser("table", help="print RESULTS as a table")
    table.add_argument("--title", required=True)
    table.add_argument("--baseline", required=True, help="row the 'x' column divides by")
    table.add_argument("--speedup-of", help="row whose speedup over every other row is shown")
    table.add_argument("results")
    table.set_defaults(func=cmd_table)

    args = parser.parse_args()
    if getattr(args, "runs", 1) < 1:
        parser.error("--runs must be at least 1")
    args.func(args)


if __name__ == "__main__":
    main()
