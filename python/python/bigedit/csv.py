"""CSV rows by condition: read them as dicts, or set cells where the conditions hold while
every other row stays byte-identical. The dialect (delimiter, quote, header, line ending) is
detected; quoted fields may hold newlines. Conditions: ``"COL=V"``, ``"COL!=V"``, ``"COL<V"``,
``"COL<=V"``, ``"COL>V"``, ``"COL>=V"``, ``"COL~TEXT"`` (contains); numeric when both sides
are numbers; all must hold."""

import os
from typing import Dict, Iterator, Mapping, NamedTuple, Optional, Sequence, Union

from . import _bigedit

PathLike = Union[str, "os.PathLike[str]"]


class SetResult(NamedTuple):
    """What :func:`set` did: rows that met the conditions, and rows it changed."""

    matched: int
    changed: int


def rows(
    path: PathLike,
    where: Sequence[str] = (),
    *,
    rows: Optional[str] = None,
    lock_timeout: float = 30.0,
) -> Iterator[Dict[str, str]]:
    """The data rows where every condition holds, as dicts keyed by column name, streamed
    from a background scan (memory stays bounded). ``rows="A:B"`` limits the scan to data
    rows A to B (1-based, the header excluded)."""
    return _bigedit.csv_rows(path, list(where), rows=rows, lock_timeout=lock_timeout)


def set(  # noqa: A001 - the name the CLI uses (`bigedit csv set`)
    path: PathLike,
    where: Sequence[str],
    set: Mapping[str, str],  # noqa: A002
    *,
    expect: Optional[str] = None,
    commit: str = "atomic",
    backup: bool = False,
    lock_timeout: float = 30.0,
) -> SetResult:
    """Sets the columns of ``set`` in every row where all conditions hold, in one commit
    under the exclusive lock; the other rows are copied byte for byte."""
    matched, changed = _bigedit.csv_set(
        path, list(where), dict(set), expect=expect, commit=commit, backup=backup,
        lock_timeout=lock_timeout,
    )
    return SetResult(matched, changed)


__all__ = ["SetResult", "rows", "set"]
