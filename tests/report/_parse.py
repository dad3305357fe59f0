"""Parse GENERATED report files: number cells of report.html, tables of report.md."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class HtmlCell:
    """One ``<td>`` with its attributes and visible text, its table and header."""

    table: str
    row_label: str
    header: str
    attrs: dict[str, str]
    row_index: int = 0
    text: str = ""
    value_text: str = ""
    letters: str = ""
    ci: str = ""


@dataclass
class _State:
    table: str = ""
    caption: bool = False
    caption_text: str = ""
    headers: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    in_head: bool = False
    row: list[HtmlCell] = field(default_factory=list)
    rows_done: int = 0
    cell: HtmlCell | None = None
    span: str = ""
    header_text: str | None = None
    header_span: int = 1
    header_group_row: bool = False


class ReportParser(HTMLParser):
    """Collects every table cell (with the caption, row label and column header) and every SVG."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[HtmlCell] = []
        self.svgs: list[str] = []
        self.metas: list[dict[str, str]] = []
        self.s = _State()
        self._svg_depth = 0
        self._svg_marks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        s = self.s
        if tag == "meta":
            self.metas.append(a)
        if tag == "svg":
            self._svg_depth += 1
            self._svg_marks = 0
        if tag in ("circle", "rect") and self._svg_depth:
            self._svg_marks += 1
        if tag == "table":
            self.s = _State(table=a.get("id", ""))
        elif tag == "caption":
            s.caption = True
        elif tag == "thead":
            s.in_head = True
        elif tag == "tr" and s.in_head:
            s.header_group_row = "groups" in a.get("class", "")
        elif tag == "th":
            s.header_text = ""
            s.header_span = int(a.get("colspan", "1"))
        elif tag == "td":
            label = s.row[0].text if s.row else ""
            s.cell = HtmlCell(s.caption_text, label, "", a, s.rows_done)
        elif tag in ("span", "sup") and s.cell is not None:
            s.span = a.get("class", "")

    def handle_endtag(self, tag: str) -> None:
        s = self.s
        if tag == "svg":
            self._svg_depth -= 1
            self.svgs.append(str(self._svg_marks))
        elif tag == "caption":
            s.caption = False
        elif tag == "thead":
            s.in_head = False
        elif tag == "th" and s.header_text is not None:
            if s.header_group_row:
                s.groups += [s.header_text] * s.header_span
            else:
                s.headers.append(s.header_text)
            s.header_text = None
        elif tag == "td" and s.cell is not None:
            cell = s.cell
            i = len(s.row)
            group = s.groups[i] if i < len(s.groups) else ""
            cell.header = f"{group} {s.headers[i]}" if group else s.headers[i]
            if not s.row:
                cell.row_label = cell.text
            s.row.append(cell)
            self.cells.append(cell)
            s.cell = None
        elif tag == "tr" and not s.in_head:
            s.row = []
            s.rows_done += 1
        elif tag in ("span", "sup"):
            s.span = ""

    def handle_data(self, data: str) -> None:
        s = self.s
        if s.caption:
            s.caption_text += data
        elif s.header_text is not None:
            s.header_text += data
        elif s.cell is not None:
            s.cell.text += data
            if s.span == "v":
                s.cell.value_text += data
            elif s.span == "cld":
                s.cell.letters += data
            elif s.span == "ci":
                s.cell.ci += data


def parse_html(path: Path) -> ReportParser:
    """The parsed page."""
    parser = ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def parse_markdown(path: Path) -> dict[tuple[str, int, str], str]:
    """``(table title, row index, column header) -> cell text`` of every markdown table."""
    cells: dict[tuple[str, int, str], str] = {}
    title, header, index = "", [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        found = re.fullmatch(r"\*\*(.+)\*\*", line)
        if found:
            title, header, index = found[1], [], 0
            continue
        if not line.startswith("|"):
            continue
        parts = [p.strip() for p in re.split(r"(?<!\\)\|", line)[1:-1]]
        if not header:
            header = parts
        elif set("".join(parts)) <= set("-:"):
            continue
        else:
            for name, text in zip(header, parts, strict=True):
                cells[(title, index, name)] = text
            index += 1
    return cells
