"""Render a report :class:`~embedlab.report.document.Document` as one self-contained HTML file.

Jinja2 templates (``report/templates/``: the page, its CSS and its script, all inlined) with
autoescaping on, so model names and notes can never inject markup; the only unescaped markup is
the SVG made by :mod:`embedlab.report.figures`, which escapes its own text. The page requests
nothing from the network (a Content-Security-Policy meta tag forbids it) and works from
``file://``. Every number cell carries ``data-value`` (the stored value, ``repr`` of the float),
``data-ref`` (where it came from), and ``data-ci-low``/``data-ci-high``/``data-letters`` when it
has them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from embedlab.errors import MissingDependencyError
from embedlab.report.document import Column, Document


def _runs(columns: Iterable[Column]) -> list[tuple[str, int]]:
    """Consecutive columns of the same group as ``(group, count)``."""
    out: list[tuple[str, int]] = []
    for column in columns:
        if out and out[-1][0] == column.group:
            out[-1] = (column.group, out[-1][1] + 1)
        else:
            out.append((column.group, 1))
    return out


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:
        raise MissingDependencyError(
            "jinja2", extra="report", purpose="writing the HTML report"
        ) from None
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("embedlab.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["groupby_run"] = _runs
    env.filters["float_repr"] = lambda v: repr(float(v))
    return env


def render_html(doc: Document) -> str:
    """The whole page as text."""
    return str(_environment().get_template("report.html.j2").render(doc=doc))
