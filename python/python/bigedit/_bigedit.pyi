"""Stubs of the Rust extension module ``bigedit._bigedit`` (kept by hand, checked by mypy
--strict on python/tests/typed_usage.py)."""

import os
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union

_PathLike = Union[str, "os.PathLike[str]"]
_Text = Union[str, bytes]
_T = TypeVar("_T")

class Match:
    """A match of ``Document.find``."""

    @property
    def line(self) -> int:
        """1-based line of the match."""
    @property
    def column(self) -> int:
        """1-based byte column of the match in its line."""
    @property
    def offset(self) -> int:
        """Byte offset of the match in the file."""
    @property
    def len(self) -> int:
        """Length of the match in bytes."""
    @property
    def text(self) -> str:
        """The text of the match's line, without its ending."""

class Chunk:
    """A semantic chunk of a file."""

    @property
    def index(self) -> int:
        """Position among the chunks (0-based)."""
    @property
    def start(self) -> int:
        """First byte."""
    @property
    def end(self) -> int:
        """End byte (exclusive)."""
    @property
    def lines(self) -> Tuple[int, int]:
        """First and last line it touches (1-based, inclusive)."""
    @property
    def boundary(self) -> str:
        """What it ends at."""
    @property
    def path(self) -> str:
        """Markdown heading path of its first byte, else ``""``."""
    @property
    def records(self) -> Optional[Tuple[int, int]]:
        """CSV data rows it overlaps."""
    @property
    def text(self) -> Optional[str]:
        """Its text, when asked for."""

class Section:
    """A heading of a Markdown outline."""

    @property
    def number(self) -> int:
        """Its number in the outline (1-based)."""
    @property
    def level(self) -> int:
        """Heading level, 1 to 6."""
    @property
    def title(self) -> str:
        """The title as written."""
    @property
    def path(self) -> str:
        """The heading path (titles joined by ``" > "``)."""
    @property
    def selector(self) -> str:
        """The selector naming it alone."""
    @property
    def lines(self) -> Tuple[int, int]:
        """Lines of the section (1-based, inclusive)."""
    @property
    def heading_lines(self) -> Tuple[int, int]:
        """Lines of the heading."""
    @property
    def bytes(self) -> Tuple[int, int]:
        """Bytes of the section."""
    @property
    def body_bytes(self) -> Tuple[int, int]:
        """Bytes of the body."""

class Stream(Iterator[_T]):
    """Results of a background scan."""

    def __iter__(self) -> "Stream[_T]": ...
    def __next__(self) -> _T: ...
    def close(self) -> None:
        """Stops the scan."""
    def __enter__(self) -> "Stream[_T]": ...
    def __exit__(self, *args: object) -> bool: ...

class Transaction:
    """Edits staged in order, committed at once when the ``with`` block ends."""

    def replace_lines(self, a: int, b: Optional[int] = None, text: Optional[_Text] = None, expect: Optional[str] = None) -> None:
        """Replaces lines ``a`` to ``b`` with ``text``."""
    def insert(self, after: Optional[int] = None, text: Optional[_Text] = None, before: Optional[int] = None, expect: Optional[str] = None) -> None:
        """Inserts lines after ``after`` (0: top) or before ``before``."""
    def delete_lines(self, a: int, b: Optional[int] = None, expect: Optional[str] = None) -> None:
        """Deletes lines ``a`` to ``b``."""
    def replace(self, find: str, with_: _Text, regex: bool = False, limit: Optional[int] = None, expect: Optional[str] = None) -> None:
        """Find and replace (literal, or regex line by line)."""
    def splice(self, start: int, end: int, data: _Text, expect: Optional[str] = None) -> None:
        """Replaces bytes ``start`` to ``end``."""
    def undo(self) -> bool:
        """Unstages the last edit."""
    @property
    def result(self) -> Optional[Tuple[int, int, int]]:
        """``(changes, bytes_before, bytes_after)`` after the commit."""
    def __enter__(self) -> "Transaction": ...
    def __exit__(self, exc_type: Optional[Type[BaseException]] = None, _exc: Optional[BaseException] = None, _tb: Optional[TracebackType] = None) -> bool: ...

class Document:
    """A large file opened for reading and editing."""

    @property
    def line_count(self) -> int:
        """Number of lines."""
    @property
    def size(self) -> int:
        """Size in bytes."""
    @property
    def path(self) -> Path:
        """The path as given."""
    @property
    def line_ending(self) -> str:
        """``"LF"``, ``"CRLF"``, ``"mixed"`` or ``"none"``."""
    @property
    def closed(self) -> bool:
        """Whether the document is closed."""
    def lines(self, a: int, b: Optional[int] = None, errors: str = "replace") -> List[str]:
        """Lines ``a`` to ``b`` as ``str``, without endings."""
    def lines_bytes(self, a: int, b: Optional[int] = None) -> List[bytes]:
        """Lines ``a`` to ``b`` as ``bytes``, without endings."""
    def read_bytes(self, offset: int, n: int) -> bytes:
        """``n`` bytes from ``offset``."""
    def version(self, a: Optional[int] = None, b: Optional[int] = None) -> str:
        """The version of lines ``a`` to ``b`` (of the whole file without arguments)."""
    def find(self, pattern: str, regex: bool = False, limit: Optional[int] = None) -> Stream[Match]:
        """Matches of ``pattern``, streamed."""
    def edit(self, commit: str = "atomic", backup: bool = False) -> Transaction:
        """A transaction."""
    def replace(self, find: str, with_: _Text, regex: bool = False, limit: Optional[int] = None, commit: str = "atomic", backup: bool = False) -> int:
        """Find and replace, committed at once, streamed (bounded memory); returns the count."""
    def transform_lines(self, function: Callable[[str, List[str]], Optional[_Text]], context: int = 0, commit: str = "atomic", backup: bool = False) -> int:
        """Rewrites lines with ``function(line, previous)``; returns the changed line count."""
    def close(self) -> None:
        """Releases the lock and the file."""
    def __enter__(self) -> "Document": ...
    def __exit__(self, *args: object) -> bool: ...

class AgentSession:
    """An MCP session called in process."""

    def __init__(self, root: _PathLike, audit_log: Optional[_PathLike] = None, lock_timeout: float = 30.0, client: str = "python") -> None: ...
    def call(self, tool: str, args: str) -> str:
        """Runs MCP tool ``tool`` with JSON ``args``; returns its JSON result."""

def open(path: _PathLike, lock: Optional[str] = "shared", lock_timeout: float = 30.0, use_cache: bool = True, root: Optional[_PathLike] = None, progress: Optional[Callable[[int, int], Any]] = None) -> Document:
    """Opens ``path``."""
def version_of(data: _Text) -> str:
    """The version of ``data``."""
def md_outline(path: _PathLike, lock_timeout: float = 30.0, root: Optional[_PathLike] = None) -> List[Section]: ...
def md_read(path: _PathLike, section: str, body: bool = False, lock_timeout: float = 30.0, root: Optional[_PathLike] = None) -> Tuple[str, str]: ...
def md_replace(path: _PathLike, section: str, text: _Text, body: bool = False, expect: Optional[str] = None, commit: str = "atomic", backup: bool = False, lock_timeout: float = 30.0, root: Optional[_PathLike] = None) -> int: ...
def csv_rows(path: _PathLike, where: Sequence[str] = ..., rows: Optional[str] = None, lock_timeout: float = 30.0, root: Optional[_PathLike] = None) -> Stream[Dict[str, str]]: ...
def csv_set(path: _PathLike, where: Sequence[str], set: Mapping[str, str], expect: Optional[str] = None, commit: str = "atomic", backup: bool = False, lock_timeout: float = 30.0, root: Optional[_PathLike] = None) -> Tuple[int, int]: ...
def chunks(path: _PathLike, max_bytes: int = 4096, format: Optional[str] = None, with_text: bool = True, lock_timeout: float = 30.0, root: Optional[_PathLike] = None) -> Stream[Chunk]: ...
