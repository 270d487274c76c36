import os
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]
from . import csv as csv, md as md
from ._bigedit import Chunk as Chunk, Document as Document, Match as Match, Section as Section, Stream as Stream, Transaction as Transaction, version_of as version_of
from ._progress import ProgressArg
from .errors import Error as Error, InvalidInput as InvalidInput, LockTimeout as LockTimeout, NotFound as NotFound, OutOfRange as OutOfRange, OutsideRoot as OutsideRoot, StaleVersion as StaleVersion
from typing import Any, Iterator

__all__ = ['AgentFileSystem', 'Chunk', 'Document', 'Error', 'InvalidInput', 'LockTimeout', 'Match', 'NotFound', 'OutOfRange', 'OutsideRoot', 'Section', 'StaleVersion', 'Stream', 'Transaction', 'chunks', 'csv', 'md', 'open', 'version_of']

def open(path: PathLike, *, lock: str | None = 'shared', lock_timeout: float = 30.0, use_cache: bool = True, root: PathLike | None = None, progress: ProgressArg = None) -> Document:
    '''Opens ``path`` and returns a :class:`Document` (a context manager).

    ``lock``: the lock held while the document is open: ``"shared"`` (readers share it; the
    default), ``"exclusive"``, or ``None``. A transaction (``doc.edit()``) takes the exclusive
    lock for its commit either way. ``lock_timeout``: seconds to wait for a lock before
    raising :class:`LockTimeout`. ``root``: confine ``path`` to this directory
    (:class:`OutsideRoot`). ``use_cache``: keep the line index in the user's cache directory
    (a transaction reopens the file under the exclusive lock and finds the index there,
    shifted by the commit; without the cache the next line access indexes again).
    ``progress``: ``True`` for a tqdm bar while the line index is built and during a
    transaction's passes, or a callable ``fn(done_bytes, total_bytes)``.
    '''
def chunks(path: PathLike, max_bytes: int = 4096, *, format: str | None = None, with_text: bool = True, lock_timeout: float = 30.0) -> Iterator[Chunk]:
    """Semantic chunks of at most ``max_bytes`` for language models, streamed: cut at Markdown
    sections, blank lines, CSV records, lines, never inside a UTF-8 character. Each has
    ``start``, ``end`` (bytes), ``lines``, ``path`` (heading path), ``records``, ``text``."""

class AgentFileSystem:
    """A workspace an agent may read and edit, with the method names agent frameworks call.

    Every method runs the same tool as the ``bigedit mcp`` server: paths are relative to the
    workspace and confined to it (:class:`OutsideRoot`), reads are bounded (``max_bytes``)
    and return a ``version``, edits need a version covering what they change
    (:class:`StaleVersion` otherwise, with the current text in ``details``), and each call is
    appended to the audit log (``audit_log``, default ``$BIGEDIT_AUDIT_LOG``). Results are
    the tools' JSON objects as dicts.
    """
    workspace: str
    def __init__(self, workspace: PathLike, *, audit_log: PathLike | None = None, lock_timeout: float = 30.0, client: str = 'python') -> None: ...
    def call(self, tool: str, **args: Any) -> dict[str, Any]:
        """Calls MCP tool ``tool`` (``read_lines``, ``csv_set``, ...) with ``args``."""
    def file_info(self, path: str) -> dict[str, Any]:
        """Size, line count, line ending, kind and whole-file version."""
    def read_file_section(self, path: str, start: int = 1, end: int | None = None, max_bytes: int | None = None) -> dict[str, Any]:
        """Lines ``start`` to ``end`` (1-based, inclusive) within a byte budget: ``text``,
        ``start``, ``end``, ``version`` and ``next`` when the budget stopped it."""
    def modify_file_section(self, path: str, start: int, end: int, text: str, version: str) -> dict[str, Any]:
        """Replaces lines ``start`` to ``end`` with ``text``; ``version`` from a read covering
        them. Returns the diff and the new version of the changed lines."""
    def insert_lines(self, path: str, after: int, text: str, version: str) -> dict[str, Any]:
        """Inserts ``text`` after line ``after`` (0: at the top)."""
    def delete_lines(self, path: str, start: int, end: int, version: str) -> dict[str, Any]:
        """Deletes lines ``start`` to ``end``."""
    def outline(self, path: str, kind: str | None = None) -> dict[str, Any]:
        """Markdown headings or CSV columns of a file."""
    def find(self, path: str, pattern: str, regex: bool = False, max_results: int | None = None, context: int | None = None) -> dict[str, Any]:
        """Matches with their line, column, text and the version of their line."""
    def read_section(self, path: str, section: str, body: bool = False) -> dict[str, Any]:
        """One Markdown section by heading path, with its version."""
    def replace_section(self, path: str, section: str, text: str, version: str, body: bool = False) -> dict[str, Any]:
        """Replaces a Markdown section (or its body)."""
    def undo_last(self) -> dict[str, Any]:
        """Undoes the last edit of this workspace object, if the file has not changed since."""
