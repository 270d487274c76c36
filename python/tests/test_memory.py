"""Memory: editing a 1 GiB file keeps the process's peak RSS under 64 MiB.

The edits run in a child Python so the measure is of bigedit's work alone. The peak is read
from the child's own `VmHWM` (the high-water mark of its address space, reset at exec) as
well as `resource.getrusage`: on Linux `ru_maxrss` is carried across `exec`, so a child of
the (much larger) pytest process would report the parent's peak as its own; both are
printed, the assertion is on `VmHWM` and, when the parent is smaller, on `ru_maxrss` too.
"""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

SIZE = 1 << 30
LIMIT_KIB = 64 * 1024

CHILD = r"""
import json, resource, sys
import bigedit

path = sys.argv[1]
with bigedit.open(path) as doc:
    n = doc.line_count
    late = doc.lines(n - 4, n)
    mid = n // 2
    v = doc.version(mid)
    with doc.edit() as tx:
        tx.replace_lines(mid, mid, "EDITED in the middle\n", expect=v)
        tx.insert(after=n, text="appended at the end")
    with doc.edit() as tx:
        tx.replace("needle-0000", "NEEDLE")  # a full scan, one match
    found = [m.line for m in doc.find("NEEDLE")]
    every = doc.replace("INFO", "WARN")  # every line changes: streamed while planned
    assert doc.lines(mid) == ["EDITED in the middle"], doc.lines(mid)
    assert doc.line_count == n + 1
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"every": every, "lines": n, "late": late, "found": found, "vmhwm_kib": hwm,
                  "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def test_editing_a_1_gib_file_keeps_peak_rss_under_64_mib(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    line = b"2026-01-01T00:00:00Z INFO request served in 12 ms from cache\n"
    block = line * (1 << 14)
    with open(path, "wb") as f:
        written = 0
        while written < SIZE:
            f.write(block)
            written += len(block)
        f.write(b"needle-0000 at the end\n")
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=280
        )
        assert out.returncode == 0, out.stderr
        r = json.loads(out.stdout)
        print(f"1 GiB edit: VmHWM {r['vmhwm_kib'] / 1024:.1f} MiB, ru_maxrss {r['ru_maxrss_kib'] / 1024:.1f} MiB")
        assert r["found"] == [r["lines"]]
        assert r["every"] == r["lines"] - 2  # all but the needle and the edited line
        assert r["late"][-1] == "needle-0000 at the end"
        assert r["vmhwm_kib"] < LIMIT_KIB
        parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if parent < LIMIT_KIB:
            assert r["ru_maxrss_kib"] < LIMIT_KIB
    finally:
        os.unlink(path)
