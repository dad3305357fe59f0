"""The published numbers embedlab shows beside measured ones (``report/published/*.csv``).

``reference_numbers.csv`` holds one line per published number: the model (an embedlab preset,
the name the source printed, and further ``--model`` strings for the same weights), dataset,
split, protocol and metric in embedlab's names, the value as published (percent for quality
metrics, images/s for throughput), the query count of the published protocol, precision /
device / batch size when the source states them, and where in which source it stands.
``sources.csv`` names each source (URL, or repository + path + commit read) and how its values
were transcribed. Lines starting with ``#`` are comments (the files' headers).

A model string *names* an entry when, with its ``?revision=`` option removed, it equals the
entry's preset name, ``preset:<name>``, what the preset resolves to
(:func:`embedlab.models.presets.preset_model`, e.g. ``open_clip:hf-hub:apple/...``), or one of
the entry's ``models``. Other ``?`` options (``?dim=``, prompts) change what is measured: such a
model still names the entry, with its options reported (:func:`model_options`), so the match
is flagged rather than compared.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import parse_qsl

from embedlab.errors import ConfigError
from embedlab.models.presets import PRESETS, preset_model

DATA_PACKAGE = "embedlab.report"
DATA_FOLDER = "published"
NUMBERS_FILE = "reference_numbers.csv"
SOURCES_FILE = "sources.csv"
#: Options of a model string that do not change the weights' outputs.
NEUTRAL_OPTIONS = frozenset({"revision"})


@dataclass(frozen=True)
class Source:
    """Where published numbers come from (a document URL, or a file at a commit)."""

    id: str
    title: str
    citation: str
    url: str
    repository: str
    path: str
    commit: str
    transcription: str

    @property
    def reference(self) -> str:
        """``repository@commit:path`` for a file, else the URL (one line)."""
        if self.repository:
            return f"{self.repository}@{self.commit[:12]}:{self.path}"
        return self.url or self.citation


@dataclass(frozen=True)
class PublishedEntry:
    """One published number (a line of ``reference_numbers.csv``)."""

    preset: str
    published_model: str
    models: tuple[str, ...]
    dataset: str
    split: str
    protocol: str
    metric: str
    kind: str  # "quality" (percent) or "throughput" (images/s)
    value: float
    text: str  # the value as written in the file (as published: 8.00, 55.64)
    unit: str
    n: int | None
    precision: str
    device: str
    batch_size: int | None
    source: Source
    location: str
    notes: str

    @property
    def names(self) -> frozenset[str]:
        """Every model string naming this entry (option-free)."""
        names = set(self.models)
        if self.preset:
            names |= {self.preset, f"preset:{self.preset}", preset_model(self.preset)}
        return frozenset(names)

    @property
    def setting(self) -> str:
        """``bf16, NVIDIA A40, batch 32`` (what the source states; '' if nothing)."""
        parts = [self.precision, self.device]
        if self.batch_size is not None:
            parts.append(f"batch {self.batch_size}")
        return ", ".join(p for p in parts if p)

    @property
    def model_label(self) -> str:
        """The preset name, else the name the source printed."""
        return self.preset or self.published_model


def split_options(model: str) -> tuple[str, dict[str, str]]:
    """``("hf:x", {"dim": "256"})`` for ``hf:x?dim=256``."""
    base, _, query = model.partition("?")
    return base, dict(parse_qsl(query, keep_blank_values=True))


def model_options(model: str) -> dict[str, str]:
    """The options of ``model`` that change its outputs (all but ``revision``)."""
    return {k: v for k, v in split_options(model)[1].items() if k not in NEUTRAL_OPTIONS}


def entries_for(model: str) -> list[PublishedEntry]:
    """Every published entry ``model`` names (see the module docstring), in file order."""
    return list(_by_name().get(split_options(model)[0], ()))


@cache
def _by_name() -> dict[str, tuple[PublishedEntry, ...]]:
    index: dict[str, list[PublishedEntry]] = {}
    for entry in published_entries():
        for name in entry.names:
            index.setdefault(name, []).append(entry)
    return {name: tuple(entries) for name, entries in index.items()}


def _rows(name: str) -> list[dict[str, str]]:
    folder = resources.files(DATA_PACKAGE).joinpath(DATA_FOLDER)
    text = folder.joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


@cache
def published_sources() -> dict[str, Source]:
    """The sources of ``sources.csv`` by id."""
    return {row["id"]: Source(**row) for row in _rows(SOURCES_FILE)}


@cache
def published_entries() -> tuple[PublishedEntry, ...]:
    """Every line of ``reference_numbers.csv`` (ConfigError naming a bad line)."""
    sources = published_sources()
    out = []
    for i, row in enumerate(_rows(NUMBERS_FILE), start=1):
        where = f"{DATA_FOLDER}/{NUMBERS_FILE} entry {i}"
        source = sources.get(row["source"])
        if source is None:
            raise ConfigError(f"{where}: unknown source {row['source']!r}; add it to sources.csv")
        if row["preset"] and row["preset"] not in PRESETS:
            raise ConfigError(f"{where}: unknown preset {row['preset']!r}")
        if not row["preset"] and not row["models"]:
            raise ConfigError(f"{where}: give a preset or the model strings it stands for")
        try:
            value = float(row["value"])
            n = int(row["n"]) if row["n"] else None
            batch = int(row["batch_size"]) if row["batch_size"] else None
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        if row["kind"] not in ("quality", "throughput"):
            raise ConfigError(f"{where}: kind must be quality or throughput")
        out.append(
            PublishedEntry(
                preset=row["preset"],
                published_model=row["published_model"],
                models=tuple(m for m in row["models"].split(";") if m),
                dataset=row["dataset"],
                split=row["split"],
                protocol=row["protocol"],
                metric=row["metric"],
                kind=row["kind"],
                value=value,
                text=row["value"],
                unit=row["unit"],
                n=n,
                precision=row["precision"],
                device=row["device"],
                batch_size=batch,
                source=source,
                location=row["location"],
                notes=row["notes"],
            )
        )
    return tuple(out)
