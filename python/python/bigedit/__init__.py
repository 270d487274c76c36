"""bigedit: edit parts of very large files without loading them.

Read a line range in microseconds after one indexing pass (the index is cached), find and
replace, rewrite one Markdown section, set CSV cells where a condition holds, each commit
locked, atomic (or journaled) and refused when the bytes you read have changed::

    import bigedit

    with bigedit.open("app.log") as doc:
        tail = doc.lines(doc.line_count - 4, doc.line_count)
        v = doc.version(10, 12)
        with doc.edit() as tx:            # one commit when the block ends
            tx.replace_lines(10, 12, "new text\\n", expect=v)
            tx.replace("ERROR", "WARN")

Long passes run without the GIL, so threads scan files in parallel.
"""

import json
import os
from typing import Any, Dict, Iterator, Optional, Union

from . import csv, md
from ._bigedit import Chunk, Document, Match, Section, Stream, Transaction, version_of
from ._progress import ProgressArg, callback
from .errors import (
    Error,
    InvalidInput,
    LockTimeout,
    NotFound,
    OutOfRange,
    OutsideRoot,
    StaleVersion,
)
from . import _bigedit

PathLike = Union[str, "os.PathLike[str]"]


def open(  # noqa: A001 - like the built-in, for files
    path: PathLike,
    *,
    lock: Optional[str] = "shared",
    lock_timeout: float = 30.0,
    use_cache: bool = True,
    root: Optional[PathLike] = None,
    progress: ProgressArg = None,
) -> Document:
    """Opens ``path`` and returns a :class:`Document` (a context manager).

    ``lock``: the lock held while the document is open: ``"shared"`` (readers share it; the
    default), ``"exclusive"``, or ``None``. A transaction (``doc.edit()``) takes the exclusive
    lock for its commit either way. ``lock_timeout``: seconds to wait for a lock before
    raising :class:`LockTimeout`. ``root``: confine ``path`` to this directory
    (:class:`OutsideRoot`). ``use_cache``: keep the line index in the user's cache directory
    (a transaction reopens the file under the exclusive lock and finds the index there,
    shifted by the commit; without the cache the next line access indexes again).
    ``progress``: ``True`` for a tqdm bar while the line index is built and during a
    transaction's passes, or a callable ``fn(done_bytes, total_bytes)``.
    """
    return _bigedit.open(
        path,
        lock=lock,
        lock_timeout=lock_timeout,
        use_cache=use_cache,
        root=root,
        progress=callback(progress, "indexing"),
    )


def chunks(
    path: PathLike,
    max_bytes: int = 4096,
    *,
    format: Optional[str] = None,  # noqa: A002
    with_text: bool = True,
    lock_timeout: float = 30.0,
) -> Iterator[Chunk]:
    """Semantic chunks of at most ``max_bytes`` for language models, streamed: cut at Markdown
    sections, blank lines, CSV records, lines, never inside a UTF-8 character. Each has
    ``start``, ``end`` (bytes), ``lines``, ``path`` (heading path), ``records``, ``text``."""
    return _bigedit.chunks(
        path, max_bytes=max_bytes, format=format, with_text=with_text, lock_timeout=lock_timeout
    )


class AgentFileSystem:
    """A workspace an agent may read and edit, with the method names agent frameworks call.

    Every method runs the same tool as the ``bigedit mcp`` server: paths are relative to the
    workspace and confined to it (:class:`OutsideRoot`), reads are bounded (``max_bytes``)
    and return a ``version``, edits need a version covering what they change
    (:class:`StaleVersion` otherwise, with the current text in ``details``), and each call is
    appended to the audit log (``audit_log``, default ``$BIGEDIT_AUDIT_LOG``). Results are
    the tools' JSON objects as dicts.
    """

    def __init__(
        self,
        workspace: PathLike,
        *,
        audit_log: Optional[PathLike] = None,
        lock_timeout: float = 30.0,
        client: str = "python",
    ) -> None:
        self.workspace = os.fspath(workspace)
        self._session = _bigedit.AgentSession(
            workspace, audit_log=audit_log, lock_timeout=lock_timeout, client=client
        )

    def call(self, tool: str, **args: Any) -> Dict[str, Any]:
        """Calls MCP tool ``tool`` (``read_lines``, ``csv_set``, ...) with ``args``."""
        clean = {k: v for k, v in args.items() if v is not None}
        result: Dict[str, Any] = json.loads(self._session.call(tool, json.dumps(clean)))
        return result

    def file_info(self, path: str) -> Dict[str, Any]:
        """Size, line count, line ending, kind and whole-file version."""
        return self.call("file_info", path=path)

    def read_file_section(
        self, path: str, start: int = 1, end: Optional[int] = None, max_bytes: Optional[int] = None
    ) -> Dict[str, Any]:
        """Lines ``start`` to ``end`` (1-based, inclusive) within a byte budget: ``text``,
        ``start``, ``end``, ``version`` and ``next`` when the budget stopped it."""
        return self.call("read_lines", path=path, start=start, end=end, max_bytes=max_bytes)

    def modify_file_section(
        self, path: str, start: int, end: int, text: str, version: str
    ) -> Dict[str, Any]:
        """Replaces lines ``start`` to ``end`` with ``text``; ``version`` from a read covering
        them. Returns the diff and the new version of the changed lines."""
        return self.call(
            "replace_lines", path=path, start=start, end=end, text=text, version=version
        )

    def insert_lines(self, path: str, after: int, text: str, version: str) -> Dict[str, Any]:
        """Inserts ``text`` after line ``after`` (0: at the top)."""
        return self.call("insert_lines", path=path, after=after, text=text, version=version)

    def delete_lines(self, path: str, start: int, end: int, version: str) -> Dict[str, Any]:
        """Deletes lines ``start`` to ``end``."""
        return self.call("delete_lines", path=path, start=start, end=end, version=version)

    def outline(self, path: str, kind: Optional[str] = None) -> Dict[str, Any]:
        """Markdown headings or CSV columns of a file."""
        return self.call("outline", path=path, kind=kind)

    def find(
        self,
        path: str,
        pattern: str,
        regex: bool = False,
        max_results: Optional[int] = None,
        context: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Matches with their line, column, text and the version of their line."""
        return self.call(
            "find", path=path, pattern=pattern, regex=regex, max_results=max_results,
            context=context,
        )

    def read_section(self, path: str, section: str, body: bool = False) -> Dict[str, Any]:
        """One Markdown section by heading path, with its version."""
        return self.call("read_section", path=path, section=section, body=body)

    def replace_section(
        self, path: str, section: str, text: str, version: str, body: bool = False
    ) -> Dict[str, Any]:
        """Replaces a Markdown section (or its body)."""
        return self.call(
            "replace_section", path=path, section=section, text=text, version=version, body=body
        )

    def undo_last(self) -> Dict[str, Any]:
        """Undoes the last edit of this workspace object, if the file has not changed since."""
        return self.call("undo_last")


__all__ = [
    "AgentFileSystem",
    "Chunk",
    "Document",
    "Error",
    "InvalidInput",
    "LockTimeout",
    "Match",
    "NotFound",
    "OutOfRange",
    "OutsideRoot",
    "Section",
    "StaleVersion",
    "Stream",
    "Transaction",
    "chunks",
    "csv",
    "md",
    "open",
    "version_of",
]
