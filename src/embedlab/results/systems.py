"""The systems of several run folders, checked to share their data and aligned by query id.

A *system* is one model of one run folder. It is labelled by its model name, with the run
folder's name (or, failing that, its path) added when several systems share a model name, and
gets a letter a, b, c... in the order the runs (then the models of a run) are given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from embedlab.errors import ConfigError, ResultsError
from embedlab.results.io import read_results
from embedlab.results.outcomes import Outcomes, read_outcomes
from embedlab.results.schema import OutcomeFile, RunLog

LETTERS = "abcdefghijklmnopqrstuvwxyz"
Columns = dict[str, NDArray[np.generic]]


class SystemInfo(BaseModel):
    """One compared system: ``model`` of the run folder ``run``, shown as ``label``/``letter``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    letter: str
    run: str
    model: str


@dataclass(frozen=True)
class System:
    """A system with its run's log and its outcome file per task."""

    info: SystemInfo
    run: Path
    log: RunLog
    files: dict[str, OutcomeFile]


def load_systems(runs: Sequence[Path | str]) -> list[System]:
    """Read every run folder and return its systems, labelled and lettered.

    Raises:
        ConfigError: a folder given twice, fewer than 2 or more than 26 systems.
        ResultsError: an unreadable run, or one without per-query outcomes.
    """
    found: list[tuple[Path, RunLog, str, dict[str, OutcomeFile]]] = []
    seen: set[Path] = set()
    for given in map(Path, runs):
        run = given.parent if given.is_file() else given
        if run.resolve() in seen:
            raise ConfigError(f"run folder {run} is given twice; give each run once")
        seen.add(run.resolve())
        log = read_results(given)
        by_model: dict[str, dict[str, OutcomeFile]] = {}
        for file in log.outcomes:
            if by_model.setdefault(file.model, {}).setdefault(file.task, file) is not file:
                raise ResultsError(
                    f"run folder {run} lists two outcome files for model "
                    f"{file.model!r} on task {file.task!r}"
                )
        if not by_model:
            raise ResultsError(
                f"run folder {run} has no per-query outcomes (results.json lists "
                "none), so it cannot be compared; re-run it with embedlab run"
            )
        found.extend((run, log, model, files) for model, files in by_model.items())
    if len(found) < 2:
        raise ConfigError(
            f"compare needs at least two systems (a system is one model of one "
            f"run); {', '.join(map(str, runs)) or 'no run'} hold {len(found)}"
        )
    if len(found) > len(LETTERS):
        raise ConfigError(f"compare handles at most {len(LETTERS)} systems, got {len(found)}")
    labels = _labels([(run, model) for run, _, model, _ in found])
    return [
        System(SystemInfo(label=label, letter=letter, run=str(run), model=model), run, log, files)
        for (run, log, model, files), label, letter in zip(found, labels, LETTERS, strict=False)
    ]


def _labels(systems: list[tuple[Path, str]]) -> list[str]:
    counts = Counter(model for _, model in systems)
    labels = [m if counts[m] == 1 else f"{m} ({run.name})" for run, m in systems]
    if len(set(labels)) < len(labels):
        labels = [m if counts[m] == 1 else f"{m} ({run})" for run, m in systems]
    return labels


def common_tasks(systems: Sequence[System], wanted: Sequence[str]) -> list[str]:
    """``wanted`` (each must be in every system) or else the tasks every system has."""
    for task in wanted:
        for s in systems:
            if task not in s.files:
                raise ResultsError(
                    f"--task {task}: run folder {s.run} has no outcomes of model "
                    f"{s.info.model!r} on it; it has {', '.join(s.files)}"
                )
    tasks = list(dict.fromkeys(wanted)) or [
        t for t in systems[0].files if all(t in s.files for s in systems)
    ]
    if not tasks:
        have = "; ".join(f"{s.info.label}: {', '.join(s.files)}" for s in systems)
        raise ResultsError(f"the systems share no task, so there is nothing to compare ({have})")
    return tasks


#: Prefix of content fingerprints (``embedlab.data.content.PREFIX``; ``results`` may not import
#: ``data``, a test keeps the two equal). Older runs recorded id-only fingerprints without it.
CONTENT_PREFIX = "content:"


def check_same_data(systems: Sequence[System], task: str) -> None:
    """Refuse systems whose ``task`` ran on datasets of other names, splits or fingerprints.

    Fingerprints hash the content of the data (texts, image bytes, qrels, labels). A run whose
    fingerprint has no ``content:`` prefix hashed ids only, so equal ids with other texts or
    images would pass: when the systems come from more than one run folder, such runs are
    refused as unverifiable (conservatively; re-running them into a new ``--out`` records content
    fingerprints). Models of one run folder were run on the data that folder records, so they
    are still compared.

    Raises:
        ResultsError: naming the task, the datasets and both runs.
    """
    first = systems[0]
    key = _data_key(first, task)
    several_runs = len({s.run.resolve() for s in systems}) > 1
    for system in systems if several_runs else ():
        legacy = [entry for entry in _data_key(system, task) if not _verifiable(entry[2])]
        if legacy:
            other = systems[1] if system is first else first
            raise ResultsError(
                f"cannot verify that runs {system.run} and {other.run} used the same data for "
                f"task {task!r}: {system.run} recorded {_describe(tuple(legacy))}, an id-only "
                "fingerprint from an older embedlab that ignores texts and image files; re-run "
                "it into a new --out folder to record a content fingerprint"
            )
    for other in systems[1:]:
        if _data_key(other, task) != key:
            raise ResultsError(
                f"runs {first.run} and {other.run} were made on different data: task {task!r} "
                f"used {_describe(key)} vs {_describe(_data_key(other, task))}; compare only "
                "runs of the same dataset files, texts, images and split"
            )


def _verifiable(fingerprint: str) -> bool:
    return fingerprint.startswith(CONTENT_PREFIX)


def _data_key(system: System, task: str) -> tuple[tuple[str, str, str], ...]:
    log, model = system.log, system.info.model
    names = {r.dataset for r in log.metrics if r.task == task and r.model == model} or {task}
    infos = {(d.name, d.split, d.fingerprint) for d in log.datasets if d.name in names}
    return tuple(sorted(infos))


def _describe(key: tuple[tuple[str, str, str], ...]) -> str:
    parts = [
        f"dataset {name}/{split} (fingerprint {fp.removeprefix(CONTENT_PREFIX)[:12]})"
        for name, split, fp in key
    ]
    return ", ".join(parts) or "no recorded dataset"


def read_tables(system: System, task: str) -> dict[str, Outcomes]:
    """The outcome tables of ``system`` on ``task``, by protocol."""
    path = system.run / system.files[task].path
    return {table.protocol: table for table in read_outcomes(path)}


def align(
    systems: Sequence[System], tables: Sequence[Outcomes], where: str
) -> tuple[list[str], list[Columns]]:
    """Cluster ids (in the first system's query order) and each system's columns in that order.

    Raises:
        ResultsError: repeated query ids, or query ids or clusters that differ between systems.
    """
    ref = tables[0]
    position = {q: i for i, q in enumerate(ref.query_ids)}
    if len(position) != len(ref.query_ids):
        raise ResultsError(f"outcomes of {systems[0].run} repeat query ids in {where}")
    aligned: list[Columns] = [dict(ref.values)]
    for system, table in zip(systems[1:], tables[1:], strict=True):
        mine = {q: i for i, q in enumerate(table.query_ids)}
        if len(mine) != len(table.query_ids) or mine.keys() != position.keys():
            odd = sorted(mine.keys() ^ position.keys())[:3]
            raise ResultsError(
                f"runs {systems[0].run} and {system.run} were made on different data: {where} "
                f"has {len(ref.query_ids)} vs {len(table.query_ids)} queries"
                + (f", e.g. query ids {odd} are in only one of them" if odd else "")
            )
        order = np.fromiter((mine[q] for q in ref.query_ids), dtype=np.intp, count=len(mine))
        if [table.cluster_ids[i] for i in order] != ref.cluster_ids:
            raise ResultsError(
                f"runs {systems[0].run} and {system.run} were made on different "
                f"data: {where} groups the same queries into other clusters"
            )
        aligned.append({name: values[order] for name, values in table.values.items()})
    return list(ref.cluster_ids), aligned


def stored_interval(
    system: System, task: str, protocol: str, metric: str, n: int, level: float
) -> tuple[float, float] | None:
    """The run's own CI of ``metric`` (``recall@1`` also matches ``recall`` with ``k=1``).

    Only an interval over the same ``n`` queries, from a run whose ``confidence`` is ``level``.
    """
    if system.log.config.get("confidence", level) != level:
        return None
    for row in system.log.metrics:
        same = (row.model, row.task, row.protocol, row.n) == (system.info.model, task, protocol, n)
        named = row.metric == metric or (row.k is not None and f"{row.metric}@{row.k}" == metric)
        if same and named and row.ci_low is not None and row.ci_high is not None:
            return row.ci_low, row.ci_high
    return None
