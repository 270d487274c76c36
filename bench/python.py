#!/usr/bin/env python3
"""Benchmark (not a test): the bigedit Python package against the plain-Python recipes its
users write today, on the same generated files, in one run.

    python bench/python.py [LOG_MIB [CSV_MIB]]      (defaults 256 and 64)

  read     5 lines near the end of the log: bigedit with its cached index (a fresh
           process: open, load the index, read) vs scanning from line 1 (itertools.islice)
  replace  one middle line, locked and backed up: bigedit (doc.edit(backup=True)) vs
           filelock + shutil.copy2 backup + temp file + fsync + os.replace
  csv      set status=processed where status=pending: bigedit.csv.set vs pandas read_csv
           chunksize + to_csv, and vs csv.DictReader/DictWriter; untouched rows must be
           byte-identical (the check says whether they are)

Each measure runs in its own process; its wall time and peak RSS (VmHWM, the high-water mark
of that process alone) are reported. Needs the package installed (scripts/test-python.sh),
and filelock and pandas for the recipes (`pip install filelock pandas`; a missing one is
reported as not run).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
LOG_LINE = "2026-01-01T00:00:{:02d}Z INFO request {:09d} served in {:d} ms\n"


def vmhwm_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


# ---------------------------------------------------------------- the measured operations


def read_bigedit(path: str, first: int) -> object:
    import bigedit

    with bigedit.open(path) as doc:
        return doc.lines(first, first + 4)


def read_recipe(path: str, first: int) -> object:
    import itertools

    with open(path, encoding="utf-8", newline="") as f:
        return [l.rstrip("\r\n") for l in itertools.islice(f, first - 1, first + 4)]


def replace_bigedit(path: str, line: int) -> object:
    import bigedit

    with bigedit.open(path) as doc, doc.edit(backup=True) as tx:
        tx.replace_lines(line, line, "EDITED by bigedit\n")
    return tx.result


def replace_recipe(path: str, line: int) -> object:
    import shutil
    import tempfile

    from filelock import FileLock

    with FileLock(path + ".lock"):
        shutil.copy2(path, path + ".bak")
        d = os.path.dirname(path)
        fd, tmp = tempfile.mkstemp(dir=d)
        try:
            with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
                for n, l in enumerate(src, 1):
                    out.write(b"EDITED by the recipe\n" if n == line else l)
                out.flush()
                os.fsync(out.fileno())
            shutil.copymode(path, tmp)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    return None


def csv_bigedit(path: str) -> object:
    import bigedit

    return bigedit.csv.set(path, where=["status=pending"], set={"status": "processed"})


def csv_pandas(path: str) -> object:
    import pandas as pd

    tmp = path + ".tmp"
    first = True
    for chunk in pd.read_csv(path, chunksize=100_000, dtype=str, keep_default_na=False):
        chunk.loc[chunk["status"] == "pending", "status"] = "processed"
        chunk.to_csv(tmp, mode="w" if first else "a", header=first, index=False)
        first = False
    os.replace(tmp, path)
    return None


def csv_dictwriter(path: str) -> object:
    import csv

    tmp = path + ".tmp"
    with open(path, newline="", encoding="utf-8") as src, open(tmp, "w", newline="", encoding="utf-8") as out:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            if row["status"] == "pending":
                row["status"] = "processed"
            writer.writerow(row)
    os.replace(tmp, path)
    return None


OPS = {f.__name__: f for f in [read_bigedit, read_recipe, replace_bigedit, replace_recipe, csv_bigedit, csv_pandas, csv_dictwriter]}


def child(name: str, args: list) -> None:
    # Imports are not timed (pandas alone takes longer than some of the operations).
    import bigedit  # noqa: F401

    if name == "csv_pandas":
        import pandas  # noqa: F401
    if name == "replace_recipe":
        import filelock  # noqa: F401
    t0 = time.perf_counter()
    result = OPS[name](*args)
    secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "vmhwm_kib": vmhwm_kib(), "result": repr(result)[:200]}))


def measure(name: str, *args: object) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", name, json.dumps(list(args))], capture_output=True, text=True)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last}
    return json.loads(out.stdout)


# ---------------------------------------------------------------- files


def make_log(path: Path, mib: int) -> int:
    lines = 0
    with open(path, "w") as f:
        size = 0
        while size < mib << 20:
            block = "".join(LOG_LINE.format(i % 60, lines + i, i % 97) for i in range(10_000))
            f.write(block)
            size += len(block)
            lines += 10_000
    return lines


def make_csv(path: Path, mib: int) -> None:
    # Quoted fields, a price written "1.50", a quoted newline: a rewrite changes their bytes.
    statuses = ["pending", "done", "done", "failed"]
    with open(path, "w", newline="") as f:
        f.write("id,city,price,status,note\n")
        size, i = 0, 0
        while size < mib << 20:
            rows = []
            for k in range(10_000):
                n = i + k
                note = '"a ""quoted"", note"' if n % 7 == 0 else ('"two\nlines"' if n % 11 == 0 else "plain")
                rows.append(f'{n},"Paris",{n % 100}.50,{statuses[n % 4]},{note}\n')
            block = "".join(rows)
            f.write(block)
            size += len(block)
            i += 10_000


def untouched_identical(before: Path, after: Path) -> bool:
    """Whether every row of `after` is the row of `before` with only pending -> processed."""
    a = before.read_bytes().replace(b",pending,", b",processed,")
    return a == after.read_bytes()


def row(label: str, r: dict, base: dict = None) -> str:
    if "error" in r:
        return f"  {label:<34} NOT RUN ({r['error']})"
    ratio = f"  ({r['seconds'] / base['seconds']:.1f}x bigedit)" if base and "seconds" in base else ""
    return f"  {label:<34} {r['seconds'] * 1000:10.1f} ms  peak RSS {r['vmhwm_kib'] / 1024:6.1f} MiB{ratio}"


def main() -> None:
    log_mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    csv_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / f"py-{log_mib}m.log"
    table = WORK / f"py-{csv_mib}m.csv"
    print(f"generating {log_mib} MiB log and {csv_mib} MiB CSV in {WORK}")
    n = make_log(log, log_mib)
    import bigedit

    with bigedit.open(log) as doc:  # builds and caches the index, as a first read would
        assert doc.line_count == n
    late = n - 10
    print(f"\nread 5 lines at line {late} of {n}")
    b = measure("read_bigedit", str(log), late)
    p = measure("read_recipe", str(log), late)
    assert b.get("result") == p.get("result"), (b, p)
    print(row("bigedit (cached index)", b))
    print(row("scan from line 1 (islice)", p, b))

    mid = n // 2
    print(f"\nreplace line {mid}, locked, with a backup")
    b = measure("replace_bigedit", str(log), mid)
    print(row("bigedit doc.edit(backup=True)", b))
    p = measure("replace_recipe", str(log), mid)
    print(row("filelock + copy2 + temp + replace", p, b))
    for suffix in [".bak", ".lock"]:
        if os.path.exists(str(log) + suffix):
            os.unlink(str(log) + suffix)

    print("\nCSV: set status=processed where status=pending")
    results = {}
    for name, label in [("csv_bigedit", "bigedit.csv.set"), ("csv_pandas", "pandas read_csv(chunksize)"), ("csv_dictwriter", "csv.DictReader/DictWriter")]:
        make_csv(table, csv_mib)
        original = table.with_suffix(".orig")
        os.replace(table, original)
        subprocess.run(["cp", "--reflink=auto", str(original), str(table)], check=True)
        r = measure(name, str(table))
        if "error" not in r:
            r["identical"] = untouched_identical(original, table)
        results[name] = r
        print(row(label, r, results.get("csv_bigedit") if name != "csv_bigedit" else None)
              + ("" if "error" in r else f"  untouched rows byte-identical: {'yes' if r['identical'] else 'NO'}"))
        os.unlink(original)
    os.unlink(table)
    os.unlink(log)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], json.loads(sys.argv[3]))
    else:
        main()
