"""A small synthetic text-retrieval set in the BEIR layout, deterministic for a seed.

Every document is about one *subject* (``honeybees``, ``glaciers``...) and one *aspect*
(history, environment, economy, safety, technique), written from templates filled with values
drawn from a seeded :class:`numpy.random.Generator`. A query asks about one (subject, aspect):

- grade 2: the document on the same subject and aspect (it answers the query);
- grade 1: the other documents on the same subject (related, not the answer);
- grade 0 (judged non-relevant): the document on the same aspect of another subject;
- unjudged: everything else: distractor subjects that have no queries, and one *mention*
  document per queried subject (about another subject, naming it in passing: a hard negative).

Queries are worded differently from the documents (two question forms per aspect).

``n_unanswerable`` extra queries are judged with grade-0 documents only (tasks skip them).
A good sentence embedder matches the subject and the aspect, so it scores far above chance.
Corpus order is shuffled, so input order carries no signal. Same arguments, same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedlab._atomic import generated_once
from embedlab.data.beir import QRELS_DIR, BeirDataset, load_beir, write_beir_files
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.errors import ConfigError

NAME = "beir-synthetic"
GENERATOR_VERSION = 1
DEFAULT_SEED = 0
DEFAULT_N_SUBJECTS = 24

SUBJECTS = (
    "honeybees", "glaciers", "lithium batteries", "coral reefs", "sourdough bread",
    "solar panels", "monarch butterflies", "jazz music", "the printing press", "black holes",
    "tea plantations", "electric cars", "penguins", "volcanoes", "vaccines", "chess",
    "wind turbines", "octopuses", "the Amazon rainforest", "bamboo", "the Silk Road",
    "submarines", "tornadoes", "coffee beans", "lighthouses", "wolves", "the Olympic Games",
    "cheese making", "satellites", "mushrooms", "rice farming", "violins", "earthquakes",
    "salmon", "bicycles", "hot air balloons",
)  # fmt: skip
# (aspect, query templates, document templates); {s} subject, {p} place, {y} year, {n} number
ASPECTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("history", ("what is the history of {s}", "when and where did {s} first appear"), (
        "The history of {s} goes back to {p} around {y}, when the first detailed records "
        "were written.",
        "Historians trace {s} to {p}; accounts from {y} describe how the idea spread.",
    )),
    ("environment", ("how do {s} affect the environment", "are {s} bad for nature"), (
        "The environmental impact of {s} has been studied in {p}: researchers measured "
        "effects on soil, water and wildlife over {n} years.",
        "Ecologists in {p} report that {s} change local ecosystems, for better and worse.",
    )),
    ("economy", ("what is the economic importance of {s}", "how much money do {s} make"), (
        "Economically, {s} support about {n} thousand jobs in {p} and bring steady income "
        "through trade and exports.",
        "Markets for {s} in {p} grew quickly after {y}; prices and wages rose with demand.",
    )),
    ("safety", ("are {s} dangerous or safe for people", "can {s} hurt you"), (
        "Safety experts in {p} say {s} are mostly safe, but about {n} injuries a year are "
        "linked to them, usually through carelessness.",
        "Are {s} dangerous? Health officials in {p} publish guidance to keep people safe.",
    )),
    ("technique", ("how do {s} work", "explain the mechanism of {s} step by step"), (
        "How {s} work: a step by step explanation, from the basic principle to the details "
        "engineers in {p} refined after {y}.",
        "The mechanism behind {s} is simple once explained: each step follows from the last.",
    )),
)  # fmt: skip
MENTION = "{O} are often compared with {s}, but this article covers only the {a} of {o} in {p}."
PLACES = (
    "Kenya", "Norway", "Peru", "Japan", "Portugal", "Canada", "India", "Egypt", "Chile",
    "Scotland", "Vietnam", "Morocco", "Iceland", "Brazil", "Poland", "New Zealand",
)  # fmt: skip


def generate_beir_synthetic(
    out: Path,
    n_subjects: int = DEFAULT_N_SUBJECTS,
    seed: int = DEFAULT_SEED,
    n_unanswerable: int = 2,
    split: str = "test",
) -> Path:
    """Write ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv`` into ``out``.

    Args:
        out: folder to write (created).
        n_subjects: subjects with queries (each gets one query per aspect); the remaining
            subjects of :data:`SUBJECTS`, up to 8, become unjudged distractors.
        seed: seed of the generator of places, years, numbers and order.
        n_unanswerable: queries judged with grade-0 documents only (at most ``n_subjects``).
        split: name of the qrels file.

    Returns:
        ``out``.
    """
    if not 2 <= n_subjects <= len(SUBJECTS) or seed < 0 or not 0 <= n_unanswerable <= n_subjects:
        raise ConfigError(
            f"beir-synthetic: need 2 <= n_subjects <= {len(SUBJECTS)}, seed >= 0 and "
            f"0 <= n_unanswerable <= n_subjects (got {n_subjects}, {seed}, {n_unanswerable})"
        )
    rng = np.random.default_rng(seed)
    docs = _documents(rng, n_subjects)
    order = rng.permutation(len(docs))
    doc_id = {docs[i][0]: f"doc{rank:05d}" for rank, i in enumerate(order)}
    queries: list[dict[str, str]] = []
    qrels: list[tuple[str, str, int]] = []
    for s in range(n_subjects):
        for a, (_, questions, _) in enumerate(ASPECTS):
            qid = f"q{len(queries):04d}"
            question = questions[int(rng.integers(len(questions)))]
            queries.append({"_id": qid, "text": question.format(s=SUBJECTS[s])})
            other = (s + 1 + int(rng.integers(n_subjects - 1))) % n_subjects
            qrels.append((qid, doc_id[(other, a)], 0))
            qrels += [(qid, doc_id[(s, b)], 2 if b == a else 1) for b in range(len(ASPECTS))]
    for u in range(n_unanswerable):
        qid = f"q{len(queries):04d}"
        queries.append({"_id": qid, "text": f"who invented {SUBJECTS[u]} on the moon"})
        qrels.append((qid, doc_id[((u + 1) % n_subjects, 0)], 0))
    corpus = [
        {"_id": doc_id[key], "title": title, "text": text}
        for key, title, text in (docs[i] for i in order)
    ]
    write_beir_files(out, corpus, queries, qrels, split)
    return out


def default_beir_synthetic_dir(cache_dir: Path) -> Path:
    """The default set (seed 0, 24 subjects), generated once into ``cache_dir/beir-synthetic``."""
    final = cache_dir / NAME / f"v{GENERATOR_VERSION}-seed{DEFAULT_SEED}-n{DEFAULT_N_SUBJECTS}"
    return generated_once(final, f"{QRELS_DIR}/test.tsv", generate_beir_synthetic)


def _documents(rng: np.random.Generator, n_subjects: int) -> list[tuple[tuple[int, int], str, str]]:
    """``((subject, aspect), title, text)``: one per subject and aspect, for the queried
    subjects plus up to 8 distractor subjects, then one *mention* per queried subject: a
    document about another subject that names it in passing (key ``(subject, -1)``)."""
    n_all = min(len(SUBJECTS), n_subjects + 8)
    docs = []
    for s in range(n_all):
        for a, (aspect, _, templates) in enumerate(ASPECTS):
            text = templates[int(rng.integers(len(templates)))].format(**_values(rng, s))
            title = "" if rng.random() < 0.2 else f"{SUBJECTS[s].capitalize()}: {aspect}"
            docs.append(((s, a), title, text))
    for s in range(n_subjects):
        other = SUBJECTS[(s + 1 + int(rng.integers(n_all - 1))) % n_all]
        aspect = ASPECTS[int(rng.integers(len(ASPECTS)))][0]
        text = MENTION.format(
            O=other.capitalize(), o=other, s=SUBJECTS[s], a=aspect, p=_values(rng, s)["p"]
        )
        docs.append(((s, -1), f"{other.capitalize()}: {aspect}", text))
    return docs


def _values(rng: np.random.Generator, subject: int) -> dict[str, str]:
    return {
        "s": SUBJECTS[subject],
        "p": PLACES[int(rng.integers(len(PLACES)))],
        "y": str(int(rng.integers(1600, 2020))),
        "n": str(int(rng.integers(3, 90))),
    }


@register_dataset(NAME, "text-retrieval", "generated BEIR-layout text retrieval set (offline)")
def _load_registered(request: DatasetRequest) -> BeirDataset:
    folder = request.data_dir or default_beir_synthetic_dir(request.cache_dir)
    return load_beir(folder, request.split)
