import os
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]
from typing import Iterator, Mapping, NamedTuple, Sequence

__all__ = ['SetResult', 'rows', 'set']

class SetResult(NamedTuple):
    """What :func:`set` did: rows that met the conditions, and rows it changed."""
    matched: int
    changed: int

def rows(path: PathLike, where: Sequence[str] = (), *, rows: str | None = None, lock_timeout: float = 30.0) -> Iterator[dict[str, str]]:
    '''The data rows where every condition holds, as dicts keyed by column name, streamed
    from a background scan (memory stays bounded). ``rows="A:B"`` limits the scan to data
    rows A to B (1-based, the header excluded).'''
def set(path: PathLike, where: Sequence[str], set: Mapping[str, str], *, expect: str | None = None, commit: str = 'atomic', backup: bool = False, lock_timeout: float = 30.0) -> SetResult:
    """Sets the columns of ``set`` in every row where all conditions hold, in one commit
    under the exclusive lock; the other rows are copied byte for byte."""
