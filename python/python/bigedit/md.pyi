import os
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]
from ._bigedit import Section as Section

__all__ = ['Section', 'outline', 'read', 'read_versioned', 'replace']

def outline(path: PathLike, *, lock_timeout: float = 30.0) -> list[Section]:
    """The headings of the file, in order, with the lines and bytes of their sections."""
def read(path: PathLike, section: str, body: bool = False, *, lock_timeout: float = 30.0) -> str:
    """The text of a section (heading, body and subsections; only the body with ``body=True``),
    exactly as stored. Raises :class:`bigedit.NotFound` for an unknown path."""
def read_versioned(path: PathLike, section: str, body: bool = False, *, lock_timeout: float = 30.0) -> tuple[str, str]:
    """``(text, version)`` of a section: pass the version as ``expect=`` to :func:`replace`."""
def replace(path: PathLike, section: str, text: str | bytes, body: bool = False, *, expect: str | None = None, commit: str = 'atomic', backup: bool = False, lock_timeout: float = 30.0) -> int:
    """Replaces a section (or only its body) with ``text``, under the file's exclusive lock;
    the section ends with one blank line before the next heading. Returns the number of
    changes (0: the file is untouched)."""
