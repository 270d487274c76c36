"""AgentFileSystem: the MCP server's tools in process, confined, versioned and audited."""

import json
from pathlib import Path

import pytest

import bigedit


def test_read_modify_with_versions_and_confinement(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "notes.txt").write_text("one\ntwo\nthree\n")
    (ws / "doc.md").write_text("# A\n\ntext\n\n## B\n\nmore\n")
    (tmp_path / "secret.txt").write_text("no\n")
    (ws / "link.txt").symlink_to(tmp_path / "secret.txt")
    log = tmp_path / "audit.jsonl"
    fs = bigedit.AgentFileSystem(ws, audit_log=log)

    r = fs.read_file_section("notes.txt", 2, 3)
    assert r["text"] == "two\nthree\n" and (r["start"], r["end"]) == (2, 3)
    done = fs.modify_file_section("notes.txt", 2, 2, "TWO\n", r["version"])
    assert done["changes"] == 1
    assert (ws / "notes.txt").read_text() == "one\nTWO\nthree\n"
    with pytest.raises(bigedit.StaleVersion) as stale:
        fs.modify_file_section("notes.txt", 3, 3, "3\n", r["version"])
    assert "current_text" in json.loads(stale.value.details) or "current" in stale.value.details
    assert (ws / "notes.txt").read_text() == "one\nTWO\nthree\n"

    assert [s["title"] for s in fs.outline("doc.md")["sections"]] == ["A", "B"]
    assert fs.find("notes.txt", "TWO")["matches"][0]["line"] == 2
    section = fs.read_section("doc.md", "A > B")
    fs.replace_section("doc.md", "A > B", "## B\n\nnew\n", section["version"])
    assert "new" in (ws / "doc.md").read_text()
    fs.undo_last()
    assert "more" in (ws / "doc.md").read_text()

    for escape in ["../secret.txt", str(tmp_path / "secret.txt"), "link.txt"]:
        with pytest.raises(bigedit.OutsideRoot):
            fs.read_file_section(escape, 1, 1)
    with pytest.raises(FileNotFoundError):
        fs.read_file_section("missing.txt", 1, 1)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) >= 8 and all(r["operation"].startswith("mcp ") for r in records), records[:2]
    refused = [r for r in records if "escapes the root" in r.get("error", "")]
    assert len(refused) == 3
