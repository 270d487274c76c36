"""Transactions: random edit sequences against a Python list model (Hypothesis), failure
atomicity, and the exceptions."""

import os
import tempfile
from pathlib import Path
from typing import List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bigedit
from conftest import leftovers

WORDS = st.text(alphabet="ab c\u00e9", min_size=0, max_size=6)


def render(lines: List[str], newline: str = "\n") -> bytes:
    return "".join(line + newline for line in lines).encode()


def new_lines(text: str) -> List[str]:
    """What a text given to an edit becomes: its lines (a final newline optional)."""
    if text == "":
        return []
    return text.removesuffix("\n").split("\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.lists(WORDS, max_size=8), data=st.data())
def test_random_edit_sequences_match_a_list_model(initial: List[str], data: st.DataObject) -> None:
    model = list(initial)
    # New lines take the file's line ending: a CRLF file stays CRLF.
    newline = data.draw(st.sampled_from(["\n", "\r\n"])) if model else "\n"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.txt"
        path.write_bytes(render(model, newline))
        with bigedit.open(path) as doc, doc.edit() as tx:
            for _ in range(data.draw(st.integers(0, 6), label="steps")):
                n = len(model)
                op = data.draw(st.sampled_from(["replace", "insert", "delete", "find", "bad"]))
                if op == "replace" and n:
                    a = data.draw(st.integers(1, n))
                    b = data.draw(st.integers(a, n))
                    words = data.draw(st.lists(WORDS, min_size=1, max_size=3))
                    text = "\n".join(words) + data.draw(st.sampled_from(["", "\n"]))
                    tx.replace_lines(a, b, text)
                    model[a - 1 : b] = new_lines(text)
                elif op == "insert":
                    after = data.draw(st.integers(0, n))
                    words = data.draw(st.lists(WORDS, min_size=1, max_size=3))
                    text = "\n".join(words) + "\n"
                    tx.insert(after=after, text=text)
                    model[after:after] = new_lines(text)
                elif op == "delete" and n:
                    a = data.draw(st.integers(1, n))
                    b = data.draw(st.integers(a, n))
                    tx.delete_lines(a, b)
                    del model[a - 1 : b]
                elif op == "find":
                    find = data.draw(st.text(alphabet="abc", min_size=1, max_size=2))
                    with_ = data.draw(st.text(alphabet="xyc", max_size=2))
                    tx.replace(find, with_)
                    model = [line.replace(find, with_) for line in model]
                else:
                    with pytest.raises(bigedit.OutOfRange):
                        tx.delete_lines(n + 1)
                if not model:
                    newline = "\n"  # an empty document has no line ending to keep
        assert path.read_bytes() == render(model, newline)
        assert leftovers(Path(d), "f.txt") == []


def test_an_exception_in_the_block_commits_nothing(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    original = b"one\ntwo\r\nthree"
    path.write_bytes(original)
    before = os.stat(path)
    with bigedit.open(path) as doc:
        with pytest.raises(RuntimeError, match="boom"):
            with doc.edit() as tx:
                tx.replace_lines(1, 2, "X\n")
                tx.replace("three", "3")
                raise RuntimeError("boom")
        assert tx.result is None
        assert doc.lines(1, 3) == ["one", "two", "three"]
    after = os.stat(path)
    assert path.read_bytes() == original
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert leftovers(tmp_path, "f.txt") == []


def test_a_failing_step_stages_nothing_and_the_rest_commits(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("a\nb\nc\n")
    with bigedit.open(path) as doc:
        v = doc.version(2)
        with doc.edit() as tx:
            tx.insert(after=0, text="top")
            with pytest.raises(bigedit.StaleVersion) as stale:
                tx.replace_lines(2, 2, "B", expect=v)  # line 2 of the view is now "a"
            assert stale.value.expected == v
            tx.replace_lines(3, 3, "B", expect=v)
            with pytest.raises(bigedit.InvalidInput):
                tx.replace("(", "x", regex=True)
            with pytest.raises(ValueError):
                tx.replace("", "x")
        assert tx.result == (2, 6, 10)
    assert path.read_text() == "top\na\nB\nc\n"


def test_regex_replace_and_splice(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("id=1 ok\nid=22 ok\n")
    with bigedit.open(path) as doc:
        with doc.edit(commit="auto", backup=True) as tx:
            tx.replace(r"id=(\d+)", "n:$1", regex=True)
            tx.splice(0, 1, b"N")
            assert tx.undo()
        with doc.edit(commit="in-place") as tx:
            tx.replace("ok", "OK", limit=1)
    assert path.read_text() == "n:1 OK\nn:22 ok\n"
    assert (tmp_path / "f.txt.bak").read_text() == "id=1 ok\nid=22 ok\n"


def test_errors_carry_the_cli_message_and_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("a\nb\n")
    with bigedit.open(path) as doc:
        with pytest.raises(bigedit.OutOfRange) as e:
            doc.lines(3)
        assert str(e.value) == f"{path}: line 3 is past the end: the document has 2 lines"
        assert (e.value.line, e.value.lines) == (3, 2)
        with pytest.raises(bigedit.OutOfRange):
            doc.lines(0)
        with pytest.raises(bigedit.InvalidInput):
            doc.edit(commit="sometimes")
        with pytest.raises(bigedit.InvalidInput):
            with doc.edit() as tx:
                tx.delete_lines(1, expect="not a version")
    with pytest.raises(bigedit.Error):
        doc.lines(1)  # closed
    with pytest.raises(FileNotFoundError) as nf:
        bigedit.open(tmp_path / "missing.txt")
    assert nf.value.errno == 2 and str(tmp_path / "missing.txt") in str(nf.value)
    with pytest.raises(OSError, match="is a directory"):
        bigedit.open(tmp_path)
    locked = tmp_path / "ro"
    locked.mkdir()
    (locked / "f").write_text("x\n")
    os.chmod(locked / "f", 0)
    if os.geteuid() != 0:
        with pytest.raises(PermissionError):
            bigedit.open(locked / "f")
    with pytest.raises(bigedit.OutsideRoot):
        bigedit.open("../f.txt", root=tmp_path / "ro")
    with pytest.raises(PermissionError):
        bigedit.open("/etc/hostname", root=tmp_path)


def test_transform_lines_with_context(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("a\na\nb\nb\nb\n\u00e9\n")
    with bigedit.open(path) as doc:
        changed = doc.transform_lines(
            lambda line, prev: f"{line} (again)" if prev and prev[-1] == line else None, context=1
        )
        assert changed == 3
    assert path.read_text() == "a\na (again)\nb\nb (again)\nb (again)\n\u00e9\n"


def test_an_interrupt_in_a_transform_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    original = "".join(f"line {i}\n" for i in range(10_000))
    path.write_text(original)

    def fn(line: str, prev: List[str]) -> str:
        if line == "line 5000":
            raise KeyboardInterrupt
        return line.upper()

    with bigedit.open(path) as doc:
        with pytest.raises(KeyboardInterrupt):
            doc.transform_lines(fn)
        assert doc.line_count == 10_000
    assert path.read_text() == original
    assert leftovers(tmp_path, "f.txt") == []


def test_progress_callback_and_its_interrupt(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 100 + b"\n" * 3_000_000)
    seen: List[int] = []
    with bigedit.open(path, progress=lambda done, total: seen.append(done)) as doc:
        assert doc.line_count == 3_000_000
    assert seen and seen[-1] == path.stat().st_size and seen == sorted(seen)

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with bigedit.open(path, use_cache=False, progress=stop) as doc:
        with pytest.raises(KeyboardInterrupt):
            doc.line_count
    with bigedit.open(path, use_cache=False, progress=True) as doc:  # a tqdm bar
        assert doc.line_count == 3_000_000


@pytest.mark.parametrize("regex", [False, True])
def test_document_replace_streams_and_matches_str_replace(tmp_path: Path, regex: bool) -> None:
    path = tmp_path / "f.txt"
    text = "".join(f"row {i} aab aaab\n" for i in range(50_000))
    path.write_text(text)
    with bigedit.open(path) as doc:
        assert doc.replace("aa", "X", regex=regex) == 100_000
        assert doc.lines(1) == ["row 0 Xb Xab"]
        assert doc.replace("nothing", "x") == 0
        assert doc.replace("row", "R", limit=3) == 3
    assert path.read_text() == text.replace("aa", "X").replace("row", "R", 3)
    assert leftovers(tmp_path, "f.txt") == []
