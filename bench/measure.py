#!/usr/bin/env python3
"""Time commands and print comparison tables (used by bench/compare.sh).

Two subcommands, so that the shell script owns *what* runs and this file owns *how* it is
measured and printed:

    measure.py run --name NAME [--runs N] [--setup CMD] --out RESULTS -- CMD
        Runs CMD (through bash) N times, after running SETUP (untimed) before each run. Measures
        the wall time and the peak RSS of each run with os.wait4, whose ru_maxrss (KiB on Linux)
        covers the child and the descendants it waited for. Appends one line to RESULTS:
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
import os
import statistics
import subprocess
import sys
import tempfile
import time

SEP = "\t"


def run_once(cmd):
    """Runs `cmd` once; returns (seconds, peak RSS KiB). Exits with its stderr on failure."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(["bash", "-c", cmd], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        if child.returncode != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
            sys.exit(f"measure.py: exit status {child.returncode} from: {cmd}")
    return elapsed, usage.ru_maxrss


def cmd_run(args):
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


def cmd_table(args):
    rows = read_rows(args.results)
    base = find_secs(rows, args.baseline, "--baseline")
    ref = find_secs(rows, args.speedup_of, "--speedup-of") if args.speedup_of else None

    header = ["tool", "median s", "peak RSS MiB", f"x {args.baseline}"]
    if ref is not None:
        header.append(f"{args.speedup_of} speedup")
    table = [header]
    for row in rows:
        if row["secs"] is None:
            table.append([row["name"], row["extra"]])
            continue
        cells = [row["name"], f"{row['secs']:.3f}", f"{row['peak_mib']:.1f}",
                 f"{row['secs'] / base:.2f}"]
        if ref is not None:
            cells.append("" if row["name"] == args.speedup_of else f"{row['secs'] / ref:.2f}x")
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
