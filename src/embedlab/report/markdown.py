"""Render a report :class:`~embedlab.report.document.Document` as Markdown (same tables as the
HTML, without the plots): each number cell reads ``82.1ᵃᵇ [77.5, 86.9]`` — the value, its group
letters as superscripts, and its CI."""

from __future__ import annotations

from embedlab.report.comparison_tables import SUPERSCRIPTS
from embedlab.report.document import Cell, Document, Table


def _cell(cell: Cell) -> str:
    text = cell.text + "".join(SUPERSCRIPTS.get(c, c) for c in cell.letters)
    if cell.ci:
        text += f" {cell.ci}"
    return text.replace("|", "\\|")


def table_markdown(table: Table) -> str:
    """A titled markdown table with its notes."""
    header = [
        (f"{c.group} {c.label}" if c.group else c.label).replace("|", "\\|") for c in table.columns
    ]
    align = ["---:" if c.numeric else "---" for c in table.columns]
    lines = [
        f"**{table.title}**",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(align) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    lines += [f"\n_{note}_" for note in table.notes]
    return "\n".join(lines)


def render_markdown(doc: Document) -> str:
    """The whole report as Markdown text."""
    parts = [
        f"# {doc.title}",
        f"Generated {doc.generated_at} by embedlab {doc.embedlab_version}.",
        "## Which model for which use",
    ]
    parts += [f"- **{r.use}: {r.choice}.** {r.reason}" for r in doc.guide] or [
        "No recommendation: these runs have no metric the guide ranks."
    ]
    for section in doc.sections:
        parts.append(f"## {section.title}")
        if section.intro:
            parts.append(section.intro)
        parts += [table_markdown(t) for t in section.tables]
        parts += [f"_Figure ({f.title}) in report.html: {f.caption}_" for f in section.figures]
    parts.append("## Provenance")
    parts.append("\n".join(f"- {c}" for c in doc.caveats))
    parts += [table_markdown(t) for t in doc.provenance]
    for name, text in doc.config_json.items():
        parts.append(
            f"<details><summary>config of {name}</summary>\n\n```json\n{text}\n```\n\n</details>"
        )
    return "\n\n".join(parts) + "\n"
