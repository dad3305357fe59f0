"""``embedlab run SUITE`` (or a bare ``embedlab run``: the built-in ``default`` suite).

Loads the suite file, builds its plan with the command line's overrides, and then either prints
the plan (``--dry-run``) or checks every input up front (one message listing all that is
missing), runs the quality and speed groups, and prints each group's tables, the speed table,
the Pareto plot and the report files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import typer

from embedlab.errors import ConfigError

if TYPE_CHECKING:
    from embedlab.results.schema import MetricRow
    from embedlab.verbs.suite_plan import SuitePlan
    from embedlab.verbs.suite_run import SuiteResult


@dataclass(frozen=True)
class SuiteFlags:
    """The ``embedlab run`` flags a suite takes."""

    out: Path | None
    data_dir: Path | None
    cache_dir: Path | None
    device: str
    progress: bool
    reuse_speed: bool
    overwrite: bool
    dry_run: bool
    only: str | None
    trust_remote_code: bool = False


def run_suite_command(name: str, flags: SuiteFlags) -> None:
    """Run (or with ``--dry-run`` describe) the suite ``name`` (a built-in name or a path)."""
    from embedlab.config.suite import load_suite
    from embedlab.verbs.suite_plan import PlanOptions, build_plan

    if flags.only not in (None, "speed", "quality"):
        raise ConfigError(f"--only must be speed or quality (got {flags.only!r})")
    suite = load_suite(name)
    options = PlanOptions(
        out=flags.out,
        data_dir=flags.data_dir,
        cache_dir=flags.cache_dir,
        device=None if flags.device == "cpu" else flags.device,
        only=cast(Literal["speed", "quality"] | None, flags.only),
        progress=flags.progress,
        reuse_speed=flags.reuse_speed,
        overwrite=flags.overwrite,
        trust_remote_code=flags.trust_remote_code,
        source=name,
    )
    plan = build_plan(suite, options)
    if flags.dry_run:
        from embedlab.verbs.suite_dry_run import dry_run_text

        typer.echo(dry_run_text(plan))
        return
    _run(plan)


def _run(plan: SuitePlan) -> None:
    from embedlab.cli.speed import print_suite_speed
    from embedlab.report.plots import plot_run
    from embedlab.report.terminal import render_run
    from embedlab.verbs.suite_missing import check_inputs
    from embedlab.verbs.suite_run import raise_failures, run_suite

    check_inputs(plan)
    for note in plan.notes:
        typer.echo(note.removeprefix("speed: "), err=True)
    for item in plan.skipped:
        typer.echo(f"skipped: {item}", err=True)
    result = run_suite(plan, notify=lambda m: typer.echo(m, err=True))
    for label, log in result.logs.items():
        if len(result.logs) > 1:
            typer.echo(f"\n== {label} ({plan.out / label})")
        typer.echo(render_run(log))
    if len({(g.config.runtime, g.config.resolved_precision) for g in plan.quality}) > 1:
        _print_deltas(plan, result)
    if plan.speed and result.combined is not None:
        print_suite_speed(result)
    report = plan.suite.report
    if result.combined is not None and report.pareto_metric is not None:
        axes = {"metric": report.pareto_metric, "task": report.pareto_task,
                "protocol": report.pareto_protocol, "modality": report.pareto_modality}  # fmt: skip
        typer.echo(plot_run(result.combined, _metrics(result), plan.out, axes))
    if report.enabled:
        _report(plan)
    raise_failures(result)


def _print_deltas(plan: SuitePlan, result: SuiteResult, shown: int = 20) -> None:
    """Each runtime × precision against torch fp32 (:mod:`embedlab.verbs.suite_delta`)."""
    from embedlab.verbs.suite_delta import quality_deltas, write_deltas

    rows = [row for log in result.logs.values() for row in log.metrics]
    deltas, orphans = quality_deltas(rows)
    if not deltas:
        typer.echo("quality delta: no torch fp32 baseline rows to compare with")
        return
    path = write_deltas(plan.out, deltas)
    largest = sorted(deltas, key=lambda d: -abs(d.delta))[:shown]
    typer.echo(
        f"\nquality delta = value - torch fp32 value (units of results.csv: fractions for "
        f"rates; {len(deltas)} rows in {path}, the {len(largest)} largest here):"
    )
    typer.echo("| model | task | protocol | metric | runtime | precision | value | Δ |")
    typer.echo("|---|---|---|---|---|---|---|---|")
    for d in largest:
        r = d.row
        typer.echo(f"| {r.model} | {r.task} | {r.protocol} | {r.metric} | {r.runtime} | "
                   f"{r.precision} | {r.value:.4g} | {d.delta:+.4g} |")  # fmt: skip
    if orphans:
        typer.echo(f"({orphans} rows have no torch fp32 counterpart: no delta)")


def _metrics(result: SuiteResult) -> list[MetricRow] | None:
    """Every group's metric rows (None: the combined log holds them itself)."""
    logs = result.logs
    return [row for log in logs.values() for row in log.metrics] if len(logs) > 1 else None


def _report(plan: SuitePlan) -> None:
    from embedlab.cli.run_output import say_written
    from embedlab.errors import EmbedlabError
    from embedlab.verbs.report import ReportOptions, write_report

    if len(plan.quality) == 1 and plan.quality[0].config.out == plan.out:
        say_written(plan.out)
        return
    folders = [g.config.out for g in plan.quality if (g.config.out / "results.json").is_file()]
    if (plan.out / "results.json").is_file():
        folders.append(plan.out)
    try:
        title = plan.suite.report.title
        options = ReportOptions(title=title) if title else None
        html, markdown = write_report(folders, plan.out, options)
    except EmbedlabError as exc:
        typer.echo(f"warning: report not written: {exc}", err=True)
        return
    typer.echo(f"wrote {html} and {markdown} (the suite's report over {len(folders)} folder(s))")
