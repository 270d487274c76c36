"""Markdown sections addressed by heading path: ``"Install > Linux"``, ``"Install > Linux #2"``
for the second of two, ``"#7"`` for the seventh heading. Headings are found by CommonMark
rules (a ``#`` line inside a fenced code block is not a heading), in one pass."""

import os
from typing import List, Optional, Tuple, Union

from . import _bigedit
from ._bigedit import Section

PathLike = Union[str, "os.PathLike[str]"]


def outline(path: PathLike, *, lock_timeout: float = 30.0) -> List[Section]:
    """The headings of the file, in order, with the lines and bytes of their sections."""
    return _bigedit.md_outline(path, lock_timeout=lock_timeout)


def read(path: PathLike, section: str, body: bool = False, *, lock_timeout: float = 30.0) -> str:
    """The text of a section (heading, body and subsections; only the body with ``body=True``),
    exactly as stored. Raises :class:`bigedit.NotFound` for an unknown path."""
    return _bigedit.md_read(path, section, body=body, lock_timeout=lock_timeout)[0]


def read_versioned(
    path: PathLike, section: str, body: bool = False, *, lock_timeout: float = 30.0
) -> Tuple[str, str]:
    """``(text, version)`` of a section: pass the version as ``expect=`` to :func:`replace`."""
    return _bigedit.md_read(path, section, body=body, lock_timeout=lock_timeout)


def replace(
    path: PathLike,
    section: str,
    text: Union[str, bytes],
    body: bool = False,
    *,
    expect: Optional[str] = None,
    commit: str = "atomic",
    backup: bool = False,
    lock_timeout: float = 30.0,
) -> int:
    """Replaces a section (or only its body) with ``text``, under the file's exclusive lock;
    the section ends with one blank line before the next heading. Returns the number of
    changes (0: the file is untouched)."""
    return _bigedit.md_replace(
        path, section, text, body=body, expect=expect, commit=commit, backup=backup,
        lock_timeout=lock_timeout,
    )


__all__ = ["Section", "outline", "read", "read_versioned", "replace"]
