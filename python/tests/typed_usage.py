"""A typed use of the whole public API: `mypy --strict` checks it against the stubs
(scripts/test-python.sh). It is also run by test_typed_usage.py, so it must work."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional

import bigedit


def main(workdir: Path) -> List[str]:
    log = workdir / "app.log"
    log.write_text("ok\nERROR disk full\nok\n")
    out: List[str] = []
    with bigedit.open(log, lock_timeout=5) as doc:
        count: int = doc.line_count
        size: int = doc.size
        ending: str = doc.line_ending
        text: List[str] = doc.lines(1, count)
        raw: List[bytes] = doc.lines_bytes(2)
        head: bytes = doc.read_bytes(0, 2)
        v: str = doc.version(2)
        for m in doc.find("ERROR", regex=False, limit=10):
            line: int = m.line
            out.append(f"{line}:{m.column}:{m.offset}:{m.text}")
        with doc.edit(commit="atomic", backup=False) as tx:
            tx.replace_lines(2, 2, "WARN disk full\n", expect=v)
            tx.insert(after=0, text="start")
            tx.delete_lines(4)
            tx.replace("ok", "fine", regex=False, limit=None)
        result: Optional[tuple[int, int, int]] = tx.result

        def shout(line: str, previous: List[str]) -> Optional[str]:
            return line.upper() if previous else None

        changed: int = doc.transform_lines(shout, context=1)
        replaced: int = doc.replace("fine", "good", regex=False, limit=None)
        changed += replaced
        out.append(f"{count} {size} {ending} {text} {raw} {head!r} {result} {changed}")

    md = workdir / "guide.md"
    md.write_text("# Guide\n\n## Install\n\n### Linux\n\napt\n")
    sections: List[bigedit.Section] = bigedit.md.outline(md)
    body: str = bigedit.md.read(md, "Guide > Install > Linux", body=True)
    _, version = bigedit.md.read_versioned(md, "Guide > Install > Linux", body=True)
    n: int = bigedit.md.replace(md, "Guide > Install > Linux", "\nyum\n", body=True, expect=version)
    out.append(f"{[s.path for s in sections]} {body!r} {n}")

    table = workdir / "t.csv"
    table.write_text("id,city,status\n1,Paris,pending\n2,Rome,pending\n")
    rows: List[Dict[str, str]] = list(bigedit.csv.rows(table, where=["city=Paris"]))
    done = bigedit.csv.set(table, where=["status=pending"], set={"status": "processed"})
    out.append(f"{rows} {done.matched} {done.changed}")

    for c in bigedit.chunks(md, max_bytes=4096):
        chunk_text: Optional[str] = c.text
        out.append(f"{c.start} {c.end} {c.lines} {c.path} {chunk_text!r}")

    fs = bigedit.AgentFileSystem(workdir)
    section = fs.read_file_section("app.log", 1, 2)
    fs.modify_file_section("app.log", 1, 1, "begin\n", str(section["version"]))
    try:
        fs.read_file_section("../outside", 1, 1)
    except bigedit.OutsideRoot as e:
        out.append(str(e))
    try:
        with bigedit.open(log) as doc:
            doc.lines(99)
    except bigedit.OutOfRange as e:
        out.append(f"{e.line} {e.lines}")
    except bigedit.Error:
        raise
    return out


if __name__ == "__main__":
    print("\n".join(main(Path(sys.argv[1]))))
