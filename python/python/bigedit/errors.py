"""The exceptions bigedit raises.

Every error of the engine is a :class:`Error`; the subclasses say what went wrong so a caller
can catch it, and several are also the built-in exception of the same meaning
(:class:`OutOfRange` is an :class:`IndexError`, :class:`NotFound` a :class:`KeyError`,
:class:`LockTimeout` a :class:`TimeoutError`, :class:`OutsideRoot` a :class:`PermissionError`,
:class:`InvalidInput` a :class:`ValueError`). The message is the one line the ``bigedit`` CLI
prints. I/O failures are raised as the built-in :class:`OSError` subclasses
(:class:`FileNotFoundError`, :class:`PermissionError`, ...) with ``errno`` and ``filename``.
"""

from typing import Any


class Error(Exception):
    """Base class of bigedit's errors. ``str(e)`` is the CLI's one-line message."""

    path: str
    details: str

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StaleVersion(Error):
    """The bytes an edit replaces changed since their version was read (``expect=``).

    Attributes ``start``, ``end`` (the byte range), ``expected`` and ``actual`` (versions).
    """

    start: int
    end: int
    expected: str
    actual: str


class LockTimeout(Error, TimeoutError):
    """Another process held the file's lock for longer than ``lock_timeout``."""

    filename: Any


class OutOfRange(Error, IndexError):
    """A line or byte past the end of the file (attributes ``line`` and ``lines``, or
    ``start``, ``end`` and ``size``)."""

    line: int
    lines: int
    start: int
    end: int
    size: int


class NotFound(Error, KeyError):
    """No such Markdown section (heading path) or CSV column (attribute ``column``)."""

    column: str


class OutsideRoot(Error, PermissionError):
    """A path that escapes the workspace root (``..``, an absolute path, a symlink out)."""

    filename: Any


class InvalidInput(Error, ValueError):
    """A malformed request: a bad regex, condition, range or option, overlapping edits."""


__all__ = [
    "Error",
    "StaleVersion",
    "LockTimeout",
    "OutOfRange",
    "NotFound",
    "OutsideRoot",
    "InvalidInput",
]
