"""Progress callbacks: ``progress=True`` shows a tqdm bar when tqdm is installed."""

from typing import Any, Callable, Optional, Union

ProgressArg = Union[None, bool, Callable[[int, int], Any]]


def callback(progress: ProgressArg, desc: str) -> Optional[Callable[[int, int], Any]]:
    """The callable for ``progress``: itself, a tqdm bar's updater for ``True``, or None."""
    if progress is None or progress is False:
        return None
    if progress is True:
        try:
            from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]
        except ImportError:
            return None
        bar: Any = None

        def update(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, leave=False)
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return update
    return progress
