"""bigedit against plain-Python recipes on generated files: a full read and
`str.splitlines`, `csv.reader`, and a naive section splitter over markdown-it-py's tokens."""

import csv
import io
import re
from pathlib import Path
from typing import List, Tuple

import pytest
from markdown_it import MarkdownIt

import bigedit

TEXTS = {
    "lf": b"alpha\nbeta\n\ngamma ERROR\ndelta\n",
    "crlf": b"alpha\r\nbeta\r\n\r\ngamma ERROR\r\ndelta\r\n",
    "no-final-newline": b"alpha\nbeta\ngamma ERROR",
    "multibyte": "h\u00e9llo\n\u65e5\u672c\u8a9e ERROR\n\U0001f600 emoji\nfin\n".encode(),
    "invalid-utf8": b"ok\n\xff\xfe broken ERROR\nmore\xc3\n\xc3\xa9 fine\n",
    "empty": b"",
    "one-line": b"ERROR",
    "blank-lines": b"\n\n\nERROR\n\n",
}


def reference_lines(data: bytes) -> List[str]:
    """The recipe: read it all, decode, splitlines (the files hold no other line breaks)."""
    return data.decode("utf-8", "replace").splitlines()


@pytest.fixture(params=sorted(TEXTS))
def text_file(request: pytest.FixtureRequest, tmp_path: Path) -> Tuple[Path, bytes]:
    path = tmp_path / f"{request.param}.txt"
    path.write_bytes(TEXTS[request.param])
    return path, TEXTS[request.param]


def test_lines_match_splitlines(text_file: Tuple[Path, bytes]) -> None:
    path, data = text_file
    expected = reference_lines(data)
    with bigedit.open(path) as doc:
        assert doc.size == len(data)
        assert doc.line_count == len(expected)
        for a in range(1, len(expected) + 1):
            for b in range(a, len(expected) + 1):
                assert doc.lines(a, b) == expected[a - 1 : b]
        raw = data.split(b"\n")
        for i in range(len(expected)):
            assert doc.lines_bytes(i + 1)[0] == raw[i].removesuffix(b"\r")
        if expected:
            with pytest.raises(bigedit.OutOfRange):
                doc.lines(len(expected) + 1)
        with pytest.raises(IndexError):
            doc.lines(len(expected) + 1)
        assert doc.read_bytes(0, len(data)) == data
        with pytest.raises(bigedit.OutOfRange):
            doc.read_bytes(len(data), 1)


def test_line_ending(tmp_path: Path) -> None:
    for name, ending in [("lf", "LF"), ("crlf", "CRLF"), ("empty", "none")]:
        p = tmp_path / name
        p.write_bytes(TEXTS[name])
        with bigedit.open(p) as doc:
            assert doc.line_ending == ending


def test_versions_are_hashes_of_the_stored_bytes(text_file: Tuple[Path, bytes]) -> None:
    path, data = text_file
    chunks = data.split(b"\n")
    with bigedit.open(path) as doc:
        for i in range(doc.line_count):
            stored = chunks[i] + (b"\n" if i < len(chunks) - 1 else b"")
            assert doc.version(i + 1) == bigedit.version_of(stored)


def test_find_matches_a_naive_scan(text_file: Tuple[Path, bytes]) -> None:
    path, data = text_file
    expected = []
    for n, line in enumerate(reference_lines(data), 1):
        for m in re.finditer("ERROR", line):
            col = len(line[: m.start()].encode("utf-8", "replace")) + 1
            expected.append((n, col, line))
    with bigedit.open(path) as doc:
        got = [(m.line, m.column, m.text) for m in doc.find("ERROR")]
        assert [(n, t) for n, _, t in got] == [(n, t) for n, _, t in expected]
        if b"\xff" not in data:  # columns are byte columns: compare where decoding is exact
            assert got == expected
        for m in doc.find("ERROR"):
            assert doc.read_bytes(m.offset, m.len) == b"ERROR"
        assert len(list(doc.find("E.R", regex=True, limit=1))) == min(1, len(expected))
        with pytest.raises(bigedit.InvalidInput):
            list(doc.find("(", regex=True))


CSV_TEXT = (
    'id,city,note\n'
    '1,Paris,"plain"\n'
    '2,"Lon\ndon","quoted, with comma"\n'
    '3,Paris,"a ""quote"""\n'
    '4,Berlin,\n'
    '5,Paris,"multi\nline\nnote"\n'
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_rows_match_csv_reader(tmp_path: Path, newline: str) -> None:
    p = tmp_path / "t.csv"
    text = CSV_TEXT.replace("\n", newline) if newline != "\n" else CSV_TEXT
    # Only record ends take the file's ending; newlines inside quotes stay as written.
    p.write_bytes(text.encode())
    reader = csv.reader(io.StringIO(text, newline=""))
    header, *records = list(reader)
    expected = [dict(zip(header, r)) for r in records]
    assert list(bigedit.csv.rows(p)) == expected
    assert list(bigedit.csv.rows(p, where=["city=Paris"])) == [r for r in expected if r["city"] == "Paris"]
    assert list(bigedit.csv.rows(p, where=["city=Paris", "id>2"])) == [
        r for r in expected if r["city"] == "Paris" and int(r["id"]) > 2
    ]
    with pytest.raises(bigedit.NotFound):
        list(bigedit.csv.rows(p, where=["nope=1"]))
    with pytest.raises(KeyError):
        list(bigedit.csv.rows(p, where=["nope=1"]))


def test_csv_set_keeps_other_rows_byte_identical(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(CSV_TEXT.encode())
    with bigedit.open(p) as doc:
        whole = doc.version()
    assert whole == bigedit.version_of(CSV_TEXT)
    with pytest.raises(bigedit.StaleVersion):
        bigedit.csv.set(p, where=["city=Paris"], set={"note": "x"}, expect=bigedit.version_of("old"))
    assert p.read_bytes() == CSV_TEXT.encode()
    result = bigedit.csv.set(p, where=["city=Paris"], set={"note": "done, really"}, expect=whole)
    assert result == (3, 3)
    after = p.read_text()
    rows = list(csv.reader(io.StringIO(after, newline="")))
    assert [r[2] for r in rows[1:] if r[1] == "Paris"] == ["done, really"] * 3
    # Untouched records are the same bytes: 2 and 4.
    assert '2,"Lon\ndon","quoted, with comma"\n' in after and "4,Berlin,\n" in after


MD_TEXT = """# Guide

Intro text.

```sh
# not a heading: a comment in a fenced block
echo hi
```

## Install

### Linux

apt install x

~~~
## also not a heading
~~~

### macOS

brew install x

## Use

Run it.

# Appendix

    # indented code, not a heading
"""


def naive_sections(text: str) -> List[Tuple[str, int, int]]:
    """Heading paths and their 1-based first/last lines, from markdown-it-py's tokens."""
    tokens = MarkdownIt("commonmark").parse(text)
    heads = []
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and t.map is not None:
            heads.append((int(t.tag[1]), tokens[i + 1].content, t.map[0] + 1))
    total = len(text.splitlines())
    out = []
    for k, (level, title, line) in enumerate(heads):
        stack = [h for h in heads[:k] if h[0] < level]
        path: List[Tuple[int, str, int]] = []
        for h in stack:
            while path and path[-1][0] >= h[0]:
                path.pop()
            path.append(h)
        end = next((h[2] - 1 for h in heads[k + 1 :] if h[0] <= level), total)
        out.append((" > ".join([p[1] for p in path] + [title]), line, end))
    return out


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_md_outline_matches_markdown_it(tmp_path: Path, newline: str) -> None:
    p = tmp_path / "doc.md"
    p.write_bytes(MD_TEXT.replace("\n", newline).encode())
    got = [(s.path, s.lines[0], s.lines[1]) for s in bigedit.md.outline(p)]
    assert got == naive_sections(MD_TEXT)


def test_md_read_and_replace(tmp_path: Path) -> None:
    p = tmp_path / "doc.md"
    p.write_text(MD_TEXT)
    lines = MD_TEXT.splitlines(keepends=True)
    (path, first, last), = [s for s in naive_sections(MD_TEXT) if s[0] == "Guide > Install > Linux"]
    assert bigedit.md.read(p, "Guide > Install > Linux") == "".join(lines[first - 1 : last])
    text, version = bigedit.md.read_versioned(p, "Guide > Install > Linux", body=True)
    assert text == "".join(lines[first : last])
    with pytest.raises(bigedit.StaleVersion):
        bigedit.md.replace(p, "Guide > Install > Linux", "x\n", body=True, expect=bigedit.version_of("other"))
    assert p.read_text() == MD_TEXT
    assert bigedit.md.replace(p, "Guide > Install > Linux", "\napt-get install x\n\n", body=True, expect=version) == 1
    after = p.read_text()
    assert "apt-get install x" in after and "## also not a heading" not in after
    assert after.startswith(MD_TEXT[: MD_TEXT.index("### Linux")])
    assert after.endswith(MD_TEXT[MD_TEXT.index("### macOS") :])
    with pytest.raises(bigedit.NotFound):
        bigedit.md.read(p, "Guide > Nope")


def test_chunks_cover_the_file(tmp_path: Path) -> None:
    p = tmp_path / "doc.md"
    p.write_text(MD_TEXT * 20)
    data = p.read_bytes()
    chunks = list(bigedit.chunks(p, max_bytes=256))
    assert chunks[0].start == 0 and chunks[-1].end == len(data)
    for a, b in zip(chunks, chunks[1:]):
        assert a.end == b.start
    assert all(c.end - c.start <= 256 for c in chunks)
    assert "".join(c.text or "" for c in chunks) == MD_TEXT * 20
    assert any(c.path.startswith("Guide > Install") for c in bigedit.chunks(p, max_bytes=64))
    # UTF-8 is never cut.
    u = tmp_path / "u.txt"
    u.write_text("\u00e9\u65e5" * 500)
    assert "".join(c.text or "" for c in bigedit.chunks(u, max_bytes=7)) == "\u00e9\u65e5" * 500
