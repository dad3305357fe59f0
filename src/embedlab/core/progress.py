"""Progress bars for long work (rich), behind a tiny factory interface tasks don't see."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class ProgressFactory(Protocol):
    """``factory(label, total)`` opens a bar; the context yields ``advance(n_items)``."""

    def __call__(
        self, label: str, total: int
    ) -> AbstractContextManager[Callable[[int], None]]: ...


def shorten_middle(label: str, width: int) -> str:
    """``label`` cut to at most ``width`` characters by replacing its middle with ``…``.

    Both ends survive (a model name's organisation and its size/variant suffix are the parts
    that tell bars apart); the head keeps the extra character when the split is uneven.
    """
    if len(label) <= width:
        return label
    if width <= 1:
        return label[:width]
    keep = width - 1
    head = keep - keep // 2
    return label[:head] + "…" + label[len(label) - keep // 2 :]


def label_width(columns: int) -> int:
    """Characters the label may take on a terminal ``columns`` wide: the rest of the line
    (bar ≥ 10, ``M/N`` ≈ 11, two times ≈ 16, gaps) needs about 40; never below 12."""
    return max(12, columns - 40)


@contextmanager
def rich_progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr with items done, elapsed and remaining time.

    ``total=None`` shows an indeterminate bar (e.g. while streaming rows of unknown count).
    A label too long for the terminal is shortened in the middle (:func:`shorten_middle`),
    so the bar, counts and times stay on one readable line at 80 columns.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}", markup=True),
        BarColumn(bar_width=None),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    from rich.markup import escape

    short = escape(shorten_middle(label, label_width(console.width)))
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(short, total=total)
        yield lambda n: progress.advance(task, n)
