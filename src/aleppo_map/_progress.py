"""Progress bars: shown on a terminal, silent with ``--quiet`` or when stderr is not a TTY."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def show_progress(quiet: bool = False) -> bool:
    """Return whether a bar should be drawn.

    Parameters
    ----------
    quiet : bool
        The user's ``--quiet``.

    Returns
    -------
    bool
        ``True`` only when not quiet and stderr is a terminal.
    """
    return not quiet and sys.stderr.isatty()


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "",
             quiet: bool = False) -> Iterator[T]:
    """Iterate over *items* with a progress bar on a terminal.

    Parameters
    ----------
    items : Iterable
        What to iterate over.
    total : int, optional
        Number of items, when ``len`` does not tell.
    desc : str
        Label of the bar.
    quiet : bool
        Suppress the bar.

    Yields
    ------
    object
        The items, unchanged.
    """
    yield from tqdm(items, total=total, desc=desc, disable=not show_progress(quiet),
                    unit="frame", leave=False)


def progress_bar(total: int, *, desc: str = "", quiet: bool = False) -> tqdm[None]:
    """Return a bar to advance by hand (``update(n)``, then ``close()``).

    Parameters
    ----------
    total : int
        Number of steps.
    desc : str
        Label of the bar.
    quiet : bool
        Suppress the bar.

    Returns
    -------
    tqdm.tqdm
        The bar (disabled when not on a terminal or quiet).
    """
    return tqdm(total=total, desc=desc, disable=not show_progress(quiet), unit="frame", leave=False)
