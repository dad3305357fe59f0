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


@contextmanager
def rich_progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr with items done, elapsed and remaining time.

    ``total=None`` shows an indeterminate bar (e.g. while streaming rows of unknown count).
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

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)
