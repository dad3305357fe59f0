"""``report``: one self-contained ``report.html`` and a ``report.md`` for any set of runs.

Reads every run folder, compares the systems that share a task's data with ``compare`` (one call
per task, data group and metric; a task whose runs cannot be compared gets a one-line note instead
of letters), builds the :class:`~embedlab.report.document.Document` and writes both files
atomically. Nothing is re-encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from embedlab._atomic import write_text_atomic
from embedlab.core.clock import embedlab_version, utc_now
from embedlab.errors import ConfigError, EmbedlabError
from embedlab.metrics.table import METRICS
from embedlab.report.build import build_document
from embedlab.report.document import Document
from embedlab.report.guide import GuideOptions
from embedlab.report.html import render_html
from embedlab.report.inputs import ReportRun, metric_name
from embedlab.report.markdown import render_markdown
from embedlab.report.significance import SignificanceIndex
from embedlab.results.io import read_results
from embedlab.stats.comparison import Comparison
from embedlab.verbs.compare import compare

HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"


@dataclass(frozen=True)
class ReportOptions:
    """Settings of the report: the guide's budgets and compare's tests."""

    p99_ms: float | None = None
    min_throughput: float | None = None
    resamples: int = 1000
    seed: int = 0
    alpha: float = 0.05
    title: str = "embedlab report"


def read_runs(paths: Sequence[Path | str]) -> list[ReportRun]:
    """Read each run folder (its name is the folder name, or the path when names repeat).

    Raises:
        ConfigError: no run given, or a folder given twice.
        ResultsError: a folder without a readable ``results.json`` (named in one line).
    """
    if not paths:
        raise ConfigError("give at least one run folder, e.g. embedlab report runs/b16")
    folders = [Path(p).parent if Path(p).is_file() else Path(p) for p in paths]
    resolved = [f.resolve() for f in folders]
    for i, folder in enumerate(resolved):
        if folder in resolved[:i]:
            raise ConfigError(f"run folder {folders[i]} is given twice; give each run once")
    names = [f.name or str(f) for f in folders]
    if len(set(names)) < len(names):
        names = [str(f) for f in folders]
    return [
        ReportRun(name, folder, read_results(folder))
        for name, folder in zip(names, folders, strict=True)
    ]


def significance(runs: Sequence[ReportRun], options: ReportOptions) -> SignificanceIndex:
    """compare's results for every task shared by two or more systems on the same data."""
    comparisons: list[Comparison] = []
    problems: list[str] = []
    tasks = dict.fromkeys(o.task for run in runs for o in run.log.outcomes)
    for task in tasks:
        groups: dict[tuple[tuple[str, str, str], ...], list[ReportRun]] = {}
        for run in runs:
            if any(o.task == task for o in run.log.outcomes):
                groups.setdefault(_data_key(run, task), []).append(run)
        for members in groups.values():
            n_systems = sum(
                len({o.model for o in r.log.outcomes if o.task == task}) for r in members
            )
            if n_systems < 2:
                continue
            for metric in _metrics(members, task):
                try:
                    comparisons.append(
                        compare(
                            [r.path for r in members],
                            [metric],
                            tasks=[task],
                            resamples=options.resamples,
                            seed=options.seed,
                            alpha=options.alpha,
                        )
                    )
                except EmbedlabError as exc:
                    problems.append(f"No significance letters for {task} {metric}: {exc}")
    return SignificanceIndex.of(comparisons, problems)


def _data_key(run: ReportRun, task: str) -> tuple[tuple[str, str, str], ...]:
    names = {r.dataset for r in run.log.metrics if r.task == task} or {task}
    return tuple(
        sorted((d.name, d.split, d.fingerprint) for d in run.log.datasets if d.name in names)
    )


def _metrics(runs: Sequence[ReportRun], task: str) -> list[str]:
    names = dict.fromkeys(metric_name(r) for run in runs for r in run.log.metrics if r.task == task)
    out = []
    for name in names:
        entry = METRICS.known(name)
        if entry is not None and entry.comparable:
            out.append(name)
    return out


def build_report(paths: Sequence[Path | str], options: ReportOptions | None = None) -> Document:
    """The report of the run folders ``paths`` (see :mod:`embedlab.report.build`)."""
    options = options or ReportOptions()
    runs = read_runs(paths)
    index = significance(runs, options)
    guide = GuideOptions(p99_ms=options.p99_ms, min_throughput=options.min_throughput)
    return build_document(runs, index, utc_now(), embedlab_version(), guide, options.title)


def write_report(
    runs: Sequence[Path | str], out: Path, options: ReportOptions | None = None
) -> list[Path]:
    """Write ``out/report.html`` and ``out/report.md`` for ``runs``; return their paths.

    Raises:
        ConfigError, ResultsError: see :func:`read_runs` and ``compare``.
    """
    _check(options or ReportOptions())
    doc = build_report(runs, options)
    html_path, md_path = out / HTML_NAME, out / MARKDOWN_NAME
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(html_path, render_html(doc))
    write_text_atomic(md_path, render_markdown(doc))
    return [html_path, md_path]


def _check(options: ReportOptions) -> None:
    if options.p99_ms is not None and options.p99_ms <= 0:
        raise ConfigError(
            f"--p99-ms must be a positive number of milliseconds, got {options.p99_ms}"
        )
    if options.min_throughput is not None and options.min_throughput <= 0:
        raise ConfigError(
            f"--min-throughput must be a positive number of items/s, got {options.min_throughput}"
        )
