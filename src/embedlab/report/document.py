"""The report as data: sections of tables and figures, the selection guide, the provenance.

:mod:`embedlab.report.html` and :mod:`embedlab.report.markdown` render the same
:class:`Document`, so both files show the same numbers. Every number cell keeps the value it was
formatted from (``value``) and where it came from (``ref``: ``metric|run|model|runtime|
precision|task|protocol|metric`` or ``speed|run|model|runtime|precision|batch|modality|metric``),
which the HTML writes as data attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and, for a number, the stored value, CI and group letters."""

    text: str
    value: float | None = None
    ref: str = ""
    ci: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    letters: str = ""
    title: str = ""

    @property
    def numeric(self) -> bool:
        """Whether the cell holds a number (sortable as one)."""
        return self.value is not None


@dataclass(frozen=True)
class Column:
    """A column header; ``group`` spans adjacent columns of the same group in the HTML."""

    label: str
    group: str = ""
    numeric: bool = True


@dataclass(frozen=True)
class Table:
    """A titled table; ``notes`` are printed beneath it."""

    id: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    """An inline SVG figure (markup made by :mod:`embedlab.report.figures`) and its caption."""

    id: str
    title: str
    svg: str
    caption: str


@dataclass(frozen=True)
class Section:
    """A heading with an introduction, tables and figures."""

    id: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass(frozen=True)
class Recommendation:
    """One line of the selection guide: the use, the choice, and the numbers behind it."""

    use: str
    choice: str
    reason: str


@dataclass(frozen=True)
class Document:
    """Everything the report shows."""

    title: str
    generated_at: str
    embedlab_version: str
    guide: list[Recommendation]
    sections: list[Section]
    provenance: list[Table]
    caveats: list[str]
    config_json: dict[str, str] = field(default_factory=dict)
