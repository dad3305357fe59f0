"""A synthetic visual-document retrieval set: rendered report pages, deterministic for a seed.

Each page reports one *topic* (sales, energy use, ...) of one fictional *organisation* for one
*year*: a title, two lines of text, a small table (four entities × the previous and the current
year) and a bar chart of the current year. Values are drawn from a seeded
:class:`numpy.random.Generator` (distinct per page column, so "highest" and "lowest" have one
answer). Every page gets one query about its content, worded from one of four templates::

    Which region had the highest sales at Acme Corp in 2023?
    Which plant had the lowest energy use at Delta Works in 2021?
    What was the student enrolment of the Arts faculty at Fjord Systems in 2022?
    How much did rainfall change at the Hilltop station of Cobalt Group from 2020 to 2021?

Graded qrels: 2 for the page that answers (the only page of that organisation, topic and
year), 1 for the other pages on the same topic (related, not the answer). The answer is stored
in ``queries.jsonl`` (field ``answer``, ignored by the loader). Pages are shuffled, so corpus
order carries no signal. Written in the folder layout of :mod:`embedlab.data.vidore`, pages as
PNG in ``images/``. Same arguments, same bytes (with the same Pillow version: the text is drawn
with Pillow's bundled default font).

Registered as dataset ``docpages`` (kind ``doc-retrieval``, task ``docpages``): ``--data-dir``
(a folder written by ``embedlab generate docpages``), else the default set generated once into
the cache.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from embedlab._atomic import generated_once, write_bytes_atomic
from embedlab.data.beir import QRELS_DIR
from embedlab.data.doc_retrieval import DocRetrievalDataset
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.data.vidore import load_vidore_folder, write_vidore_folder
from embedlab.errors import ConfigError

NAME = "docpages"
GENERATOR_VERSION = 1
DEFAULT_SEED = 0
DEFAULT_N_PAGES = 24
PAGE_SIZE = (400, 500)
#: (topic, unit, entity kind, entities)
TOPICS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("sales", "million USD", "region", ("North", "South", "East", "West", "Central", "Coastal")),
    ("energy use", "GWh", "plant", ("Riverside", "Harbour", "Summit", "Valley", "Lakeside")),
    ("student enrolment", "students", "faculty", ("Arts", "Science", "Law", "Medicine", "Music")),
    ("water use", "megalitres", "city", ("Avalon", "Brookfield", "Cedarton", "Dunmore", "Elmsby")),
    ("website visits", "thousand hits", "channel", ("Search", "Email", "Social", "Direct", "Ads")),
    ("rainfall", "mm", "station", ("Hilltop", "Airport", "Marina", "Forest", "Quarry")),
)  # fmt: skip
ORGANISATIONS = (
    "Acme Corp", "Borealis Ltd", "Cobalt Group", "Delta Works", "Evergreen Inc", "Fjord Systems",
    "Granite Partners", "Helios Trust",
)  # fmt: skip
YEARS = tuple(range(2019, 2025))
QUESTIONS = (
    "Which {kind} had the highest {topic} at {org} in {year}?",
    "Which {kind} had the lowest {topic} at {org} in {year}?",
    "What was the {topic} of the {entity} {kind} at {org} in {year}?",
    "How much did {topic} change at the {entity} {kind} of {org} from {prev} to {year}?",
)
BAR_COLOURS = ("steelblue", "darkorange", "seagreen", "firebrick")
MAX_PAGES = len(TOPICS) * len(ORGANISATIONS) * len(YEARS)


def generate_docpages(
    out: Path, n_pages: int = DEFAULT_N_PAGES, seed: int = DEFAULT_SEED, split: str = "test"
) -> Path:
    """Write ``n_pages`` pages, one query each, and graded qrels into ``out`` (created).

    Raises:
        ConfigError: ``n_pages`` outside ``2..MAX_PAGES`` or a negative seed.
    """
    if not 2 <= n_pages <= MAX_PAGES or seed < 0:
        raise ConfigError(
            f"docpages: need 2 <= n_pages <= {MAX_PAGES} and seed >= 0 (got {n_pages}, {seed})"
        )
    rng = np.random.default_rng(seed)
    combos = [
        (t, o, y) for t in range(len(TOPICS)) for o in range(len(ORGANISATIONS)) for y in YEARS
    ]
    # topics in turn, so every topic has pages (and grade-1 neighbours) once n_pages >= 12
    picked = [combos[int(i)] for i in rng.permutation(len(combos))]
    by_topic = [[c for c in picked if c[0] == t] for t in range(len(TOPICS))]
    chosen = [by_topic[k % len(TOPICS)][k // len(TOPICS)] for k in range(n_pages)]
    pages = [_page(rng, *combo) for combo in chosen]
    order = rng.permutation(n_pages)
    page_id = {int(k): f"page{rank:04d}" for rank, k in enumerate(order)}
    corpus = []
    for k in order:
        relative = f"images/{page_id[int(k)]}.png"
        write_bytes_atomic(out / relative, _render(pages[int(k)]))
        corpus.append((page_id[int(k)], relative))
    queries: list[tuple[str, str]] = []
    answers: list[str] = []
    qrels: list[tuple[str, str, int]] = []
    for k, page in enumerate(pages):
        qid = f"q{k:04d}"
        text, answer = _question(rng, page)
        queries.append((qid, text))
        answers.append(answer)
        qrels.append((qid, page_id[k], 2))
        same_topic = [j for j in range(n_pages) if j != k and chosen[j][0] == page["t"]]
        qrels += [(qid, page_id[j], 1) for j in same_topic]
    write_vidore_folder(out, corpus, queries, qrels, split, answers=answers)
    return out


def default_docpages_dir(cache_dir: Path) -> Path:
    """The default set (seed 0, 24 pages), generated once into ``cache_dir/docpages``."""
    final = cache_dir / NAME / f"v{GENERATOR_VERSION}-seed{DEFAULT_SEED}-n{DEFAULT_N_PAGES}"
    return generated_once(final, f"{QRELS_DIR}/test.tsv", generate_docpages)


@register_dataset(NAME, "doc-retrieval", "generated report pages with graded qrels (offline)")
def load_docpages(request: DatasetRequest) -> DocRetrievalDataset:
    """``--data-dir`` (a generated folder), else the default set generated into the cache."""
    folder = request.data_dir or default_docpages_dir(request.cache_dir)
    return load_vidore_folder(folder, request.split, name=NAME)


def _page(rng: np.random.Generator, t: int, o: int, year: int) -> dict[str, Any]:
    topic, unit, kind, entities = TOPICS[t]
    names = [entities[int(i)] for i in rng.choice(len(entities), 4, replace=False)]
    low, high = (10, 99) if unit != "students" else (120, 990)
    prev, now = (rng.choice(np.arange(low, high), 4, replace=False) for _ in range(2))
    return {
        "t": t, "topic": topic, "unit": unit, "kind": kind, "org": ORGANISATIONS[o],
        "year": year, "entities": names, "prev": prev.tolist(), "now": now.tolist(),
    }  # fmt: skip


def _question(rng: np.random.Generator, page: dict[str, Any]) -> tuple[str, str]:
    """One query about ``page`` and its answer (read off the page)."""
    form = int(rng.integers(len(QUESTIONS)))
    pick = int(rng.integers(4))
    now, prev, names = page["now"], page["prev"], page["entities"]
    answer = [
        names[int(np.argmax(now))],
        names[int(np.argmin(now))],
        f"{now[pick]} {page['unit']}",
        f"{now[pick] - prev[pick]:+d} {page['unit']}",
    ][form]
    text = QUESTIONS[form].format(
        kind=page["kind"], topic=page["topic"], org=page["org"], year=page["year"],
        prev=page["year"] - 1, entity=names[pick],
    )  # fmt: skip
    return text, answer


def _render(page: dict[str, Any]) -> bytes:
    """The page as PNG bytes: title, text, table, bar chart."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = PAGE_SIZE
    image = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(image)
    title, body = ImageFont.load_default(size=18), ImageFont.load_default(size=12)
    year, kind, unit = page["year"], page["kind"], page["unit"]
    draw.text((20, 16), page["org"], fill="black", font=title)
    draw.text((20, 40), f"{page['topic'].capitalize()} by {kind}, {year}", fill="navy", font=title)
    lines = (
        f"This page reports {page['topic']} for four {kind}s.",
        f"All figures in {unit}; {year - 1} shown for comparison.",
    )
    for i, line in enumerate(lines):
        draw.text((20, 72 + 16 * i), line, fill="black", font=body)
    x0, y0, cols, row_h = 20, 116, (120, 110, 110), 22
    values = zip(page["entities"], page["prev"], page["now"], strict=True)
    rows = [[kind.capitalize(), str(year - 1), str(year)]] + [
        [n, str(a), str(b)] for n, a, b in values
    ]
    for r, cells in enumerate(rows):
        x = x0
        for c, cell in enumerate(cells):
            draw.rectangle((x, y0 + r * row_h, x + cols[c], y0 + (r + 1) * row_h), outline="gray")
            draw.text((x + 6, y0 + r * row_h + 5), cell, fill="black", font=body)
            x += cols[c]
    base, top, bar_w = height - 40, 260, 60
    peak = max(page["now"])
    draw.line((30, base, width - 30, base), fill="black")
    for i, (name, value) in enumerate(zip(page["entities"], page["now"], strict=True)):
        x = 50 + i * (bar_w + 30)
        y = base - int((base - top - 20) * value / peak)
        draw.rectangle((x, y, x + bar_w, base), fill=BAR_COLOURS[i])
        draw.text((x + 4, y - 16), str(value), fill="black", font=body)
        draw.text((x + 4, base + 6), name, fill="black", font=body)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
