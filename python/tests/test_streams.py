"""Streams (matches, rows, chunks): results arrive while the scan runs; closing or leaving
the iterator stops the scan; Ctrl+C while waiting raises KeyboardInterrupt."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

import bigedit


def test_an_abandoned_stream_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "many.log"
    path.write_bytes(b"hit\n" * 2_000_000)
    with bigedit.open(path) as doc:
        t0 = time.perf_counter()
        first = []
        with doc.find("hit") as matches:
            for m in matches:
                first.append(m.line)
                if len(first) == 3:
                    break
        assert first == [1, 2, 3]
        assert list(matches) == []  # closed
        assert time.perf_counter() - t0 < 5
        assert sum(1 for _ in doc.find("hit", limit=10)) == 10
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("a,b\n" + "1,2\n" * 100_000)
    rows = bigedit.csv.rows(csv_path)
    assert next(iter(rows)) == {"a": "1", "b": "2"}
    del rows


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signals")
def test_ctrl_c_while_waiting_for_a_stream_raises_keyboard_interrupt(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    with open(path, "wb") as f:
        f.write(b"nothing to see here, move along\n" * 8_000_000)
    main = threading.get_ident()
    timer = threading.Timer(0.05, lambda: signal.pthread_kill(main, signal.SIGINT))
    with bigedit.open(path) as doc:
        timer.start()
        t0 = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            for _ in doc.find("needle (not here)", regex=True):
                pass
            time.sleep(5)  # the scan finished first on a fast machine: interrupt the sleep
        assert time.perf_counter() - t0 < 5
    os.unlink(path)


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signals")
def test_ctrl_c_during_a_staged_scan_commits_nothing(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    with open(path, "wb") as f:
        f.write(b"2026 INFO a line of an ordinary log file, nothing in it\n" * 4_000_000)
    before = path.stat()
    main = threading.get_ident()
    seen = []
    with bigedit.open(path, progress=lambda done, total: seen.append(done)) as doc:
        with doc.edit() as tx:
            tx.replace("not in the file", "x")  # one pass, reported, nothing to commit
        assert seen and max(seen) <= before.st_size
        timer = threading.Timer(0.1, lambda: signal.pthread_kill(main, signal.SIGINT))
        with pytest.raises(KeyboardInterrupt):
            with doc.edit() as tx:
                timer.start()
                for _ in range(50):  # each a full pass; the interrupt lands in one of them
                    tx.replace(r"(INFO) a (line)", "$2 $1", regex=True)
        timer.cancel()
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    assert os.listdir(tmp_path) == ["big.log"]  # nothing beside the file, not even a lock
