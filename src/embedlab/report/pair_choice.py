"""Markdown tables of the compositional pair-choice tasks (Winoground style, SugarCrepe, ARO).

Winoground-style rows (metrics ``text_score``, ``image_score``, ``group_score``) become one line
per (model, task, protocol) with the paper's columns in the paper's order: Text score, Image
score, Group score. ``accuracy`` rows (SugarCrepe, ARO) become one line each. Values are
percentages from :func:`embedlab.report.tables.format_value`; each table is followed by a note on
ties and chance levels.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab.report.tables import Annex, format_value
from embedlab.results.schema import MetricRow

PAIR_COLUMNS = (
    ("text_score", "Text score"),
    ("image_score", "Image score"),
    ("group_score", "Group score"),
)
ACCURACY = "accuracy"
PAIR_NOTE = (
    "Winoground scores (Thrush et al. 2022), in %: text = the right caption for both images, "
    "image = the right image for both captions, group = both. A tie counts as wrong (strict >). "
    "Chance: text 25.0, image 25.0, group 16.67."
)
ACCURACY_NOTE = (
    "Accuracy in %: the true caption must score strictly higher than every alternative (a tie "
    "is wrong). macro = mean over SugarCrepe subsets / ARO relation types (official: without "
    "the symmetric ones; see the notes) / ARO attribute pairs (>= 25 items); pooled = over all "
    "items. Chance: 50.0 with one alternative (SugarCrepe, ARO VG), 20.0 with four (ARO order)."
)

Key = tuple[str, str, str, str]


def pair_choice_table(
    rows: Sequence[MetricRow], ci: bool = True, annex: Annex | None = None
) -> str:
    """The pair-choice tables for ``rows`` (other metrics are ignored); '' when there are none.

    ``annex``: extra columns of the Winoground-style table (published and Δ)."""
    parts: list[str] = []
    pairs = _pair_table(rows, ci, annex)
    if pairs:
        parts += [pairs, PAIR_NOTE]
    accuracy = _accuracy_table(rows, ci)
    if accuracy:
        parts += [accuracy, ACCURACY_NOTE]
    if parts and ci and any(r.ci_low is not None for r in rows):
        methods = sorted({r.ci_method for r in rows if r.ci_method})
        parts.append(f"[low, high] = bootstrap confidence interval ({', '.join(methods)}).")
    return "\n\n".join(parts)


def _pair_table(rows: Sequence[MetricRow], ci: bool, annex: Annex | None = None) -> str:
    names = {name for name, _ in PAIR_COLUMNS}
    groups: dict[Key, dict[str, MetricRow]] = {}
    for row in rows:
        if row.metric in names:
            groups.setdefault(_key(row), {})[row.metric] = row
    if not groups:
        return ""
    header = ["model", "task", "protocol", *(label for _, label in PAIR_COLUMNS), "n"]
    lines = _header(header + (annex[0] if annex else []))
    for (model, _precision, task, protocol), metrics in groups.items():
        cells = [format_value(metrics[m], ci) if m in metrics else "–" for m, _ in PAIR_COLUMNS]
        n = next(iter(metrics.values())).n
        extra = annex[1](metrics) if annex else []
        lines.append(_line([model, task, protocol, *cells, str(n), *extra]))
    return "\n".join(lines)


def _accuracy_table(rows: Sequence[MetricRow], ci: bool) -> str:
    selected = [r for r in rows if r.metric == ACCURACY]
    if not selected:
        return ""
    lines = _header(["model", "task", "protocol", "Accuracy", "n"])
    for row in selected:
        lines.append(_line([row.model, row.task, row.protocol, format_value(row, ci), str(row.n)]))
    return "\n".join(lines)


def _key(row: MetricRow) -> Key:
    return (row.model, row.precision, row.task, row.protocol)


def _header(names: list[str]) -> list[str]:
    return [_line(names), "|" + "---|" * len(names)]


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
