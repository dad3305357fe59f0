"""``embedlab deploy`` output: one line per (model, configuration, figure), with its basis.

Sizes are shown in decimal units (GB = 1e9 B), durations in s / min / h / days, so a 10M-item
projection reads at a glance; the CSV keeps the raw value and unit.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Protocol


class FigureLike(Protocol):
    """The fields of a projected figure (``verbs.deploy_projection.Figure``)."""

    @property
    def model(self) -> str: ...
    @property
    def index(self) -> str: ...
    @property
    def figure(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def basis(self) -> str: ...


def human(value: float, unit: str) -> str:
    """``3.2e9 B`` → ``3.20 GB``; ``5400 s`` → ``1.50 h``; ``0.031x``; NaN → ``not projected``."""
    if math.isnan(value):
        return "not projected"
    if unit == "B":
        for size, name in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if value >= size:
                return f"{value / size:.2f} {name}"
        return f"{value:.0f} B"
    if unit == "s":
        for size, name in ((86400, "days"), (3600, "h"), (60, "min")):
            if value >= size:
                return f"{value / size:.2f} {name}"
        return f"{value:.3g} s"
    if unit == "x":
        return f"{value:.3g}x"
    return f"{value:.3g} {unit}"


def deploy_csv(figures: Sequence[FigureLike]) -> str:
    """``model,index,figure,value,unit,basis`` with a header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["model", "index", "figure", "value", "unit", "basis"])
    for f in figures:
        writer.writerow([f.model, f.index, f.figure, repr(f.value), f.unit, f.basis])
    return buffer.getvalue()


def deploy_table(figures: Sequence[FigureLike]) -> str:
    """A pipe table: model, index, figure, value, basis."""
    lines = ["| model | index | figure | value | basis |", "|---|---|---|---|---|"]
    lines += [
        f"| {f.model} | {f.index} | {f.figure} | {human(f.value, f.unit)} | {f.basis} |"
        for f in figures
    ]
    return "\n".join(lines)


def deploy_markdown(figures: Sequence[FigureLike], items: int) -> str:
    """``deploy.md``: a title, how to read it, and the table."""
    return (
        f"# Deployment projection for {items:,} items\n\n"
        "Every figure says whether it was measured, computed or extrapolated, and from what.\n\n"
        + deploy_table(figures)
        + "\n"
    )
