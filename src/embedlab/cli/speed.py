"""``embedlab speed``: measure throughput, latency, cold start and memory; print the tables.

Progress goes to stderr: one line per loaded configuration, then the timing plan as a bar
(timed runs done / total, and the time left estimated from the runs measured so far), or as
plain lines when stderr is not a terminal. stdout gets the tables, the stability verdicts,
the notes, and the files written with what each holds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

_FLAGS = {
    "batch_sizes": "--batch-size",
    "modalities": "--modality",
    "models": "--model",
    "repeats": "--repeats",
    "threads": "--threads",
}

ModelOpt = Annotated[
    list[str],
    typer.Option("--model", "-m", help="SOURCE:REF, e.g. arch:openai/clip-vit-base-patch16."),
]


def _config(settings: dict[str, Any]) -> Any:
    from embedlab.cli._settings import build_config
    from embedlab.perf.config import SpeedConfig

    return build_config(SpeedConfig, settings, _FLAGS)


def speed_command(
    model: ModelOpt,
    out: Annotated[Path, typer.Option(help="Folder for results.json and speed_samples.json.")],
    runtime: Annotated[
        list[str] | None,
        typer.Option(
            help="torch | onnxruntime | openvino (repeatable), or an endpoint http://HOST:PORT "
            "with --api: a load test (docs/http.md)."
        ),
    ] = None,
    api: Annotated[
        str | None, typer.Option(help="Endpoint runtimes: the API they speak, openai or tei.")
    ] = None,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            help="Endpoint runtimes: environment variable holding the API key (default: "
            "EMBEDLAB_API_KEY, then OPENAI_API_KEY; never written anywhere)."
        ),
    ] = None,
    concurrency: Annotated[
        list[int] | None,
        typer.Option(
            help="Load test, closed loop: requests in flight (repeatable; default 1, 4, 16)."
        ),
    ] = None,
    rate: Annotated[
        list[float] | None,
        typer.Option(
            help="Load test, open loop: Poisson arrivals at this many requests/s (repeatable)."
        ),
    ] = None,
    precision: Annotated[
        list[str] | None, typer.Option(help="fp32 | bf16 | fp16 | int8 (repeatable).")
    ] = None,
    batch_size: Annotated[
        list[int] | None, typer.Option(help="Items per call (repeatable; default 1 and 32).")
    ] = None,
    modality: Annotated[
        list[str] | None, typer.Option(help="image | text (repeatable; default both).")
    ] = None,
    device: Annotated[str, typer.Option(help="Device: cpu, cuda, cuda:1.")] = "cpu",
    threads: Annotated[
        list[int] | None,
        typer.Option(
            help="Intra-op threads of every runtime (repeatable: each count is measured; "
            "default: the physical cores this process may use)."
        ),
    ] = None,
    warmup_iterations: Annotated[int, typer.Option(help="Warm-up calls, at least.")] = 3,
    warmup_seconds: Annotated[float, typer.Option(help="Warm-up seconds, at least.")] = 2.0,
    min_iterations: Annotated[int, typer.Option(help="Timed calls per round, at least.")] = 10,
    min_seconds: Annotated[float, typer.Option(help="Timed seconds per round, at least.")] = 3.0,
    repeats: Annotated[
        int,
        typer.Option(
            help="Interleaved rounds: every case is timed once per round, in turn (each run "
            "meets both floors); 2 or more adds throughput mean ± std over the rounds."
        ),
    ] = 3,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="A first look: 1 warm-up call, >= 3 calls and 0.5 s per round, 2 rounds "
            "(overrides the floors; the output is marked QUICK LOOK).",
        ),
    ] = False,
    isolate: Annotated[
        bool,
        typer.Option(
            "--isolate",
            help="Measure each configuration (runtime x precision x threads) in its own fresh "
            "process: its own memory and start-up settings, but no interleaving between them.",
        ),
    ] = False,
    reuse_speed: Annotated[
        bool,
        typer.Option(
            "--reuse-speed",
            help="Keep the speed rows already in --out if measured with the same settings "
            "(default: measure again).",
        ),
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic inputs.")] = 0,
    maxsim_docs: Annotated[
        int,
        typer.Option(
            help="Multi-vector models (ColPali): documents scored per MaxSim call, each of the "
            "measured image token count, against one query of the text token count."
        ),
    ] = 1000,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache of runtime exports (default: embedlab's cache).")
    ] = None,
    trust_remote_code: Annotated[
        bool, typer.Option("--trust-remote-code", help="Allow model repos to run their own code.")
    ] = False,
    quality: Annotated[
        Path | None, typer.Option(help="Run folder whose quality rows go into the Pareto plot.")
    ] = None,
    metric: Annotated[str, typer.Option(help="Quality metric of the Pareto plot.")] = "recall@1",
    task: Annotated[str | None, typer.Option(help="Task of the quality metric.")] = None,
    protocol: Annotated[str | None, typer.Option(help="Protocol of the quality metric.")] = None,
) -> None:
    """Measure the speed of MODEL(s) on synthetic inputs; write results to --out."""
    from embedlab.perf.config import QUICK
    from embedlab.results.io import read_results
    from embedlab.verbs.speed import speed

    floors = {
        "warmup_iterations": warmup_iterations,
        "warmup_seconds": warmup_seconds,
        "min_iterations": min_iterations,
        "min_seconds": min_seconds,
        "repeats": repeats,
    }
    from embedlab.runtimes.endpoint import endpoint_runtime, looks_like_url

    runtimes = runtime or ["torch"]
    endpoints = any(looks_like_url(r) for r in runtimes)
    if api is not None and not endpoints:
        endpoint_runtime(runtimes[0], api)  # the error: --api without an endpoint
    config = _config(
        {
            "models": model,
            "out": out,
            "runtimes": [endpoint_runtime(r, api) if looks_like_url(r) else r for r in runtimes],
            "precisions": precision or ["fp32"],
            "batch_sizes": batch_size or [1, 32],
            "modalities": modality or (["text"] if endpoints else ["image", "text"]),
            "concurrency": concurrency,
            "rates": rate,
            "api_key_env": api_key_env,
            "device": device,
            "threads": threads,
            **(QUICK if quick else floors),
            "quick": quick,
            "reuse_speed": reuse_speed,
            "isolate": isolate,
            "seed": seed,
            "maxsim_docs": maxsim_docs,
            "cache_dir": cache_dir,
            "trust_remote_code": trust_remote_code,
            "quality": quality,
        }
    )
    # A bad --quality folder fails now, not after minutes of measuring.
    quality_rows = read_results(quality).metrics if quality is not None else None
    with progress_view() as observe:
        outcome = speed(config, notify=lambda m: typer.echo(m, err=True), observe=observe)
    print_speed(outcome, config.modalities)
    options = {"metric": metric, "task": task, "protocol": protocol,
               "modality": "image" if "image" in config.modalities else "text"}  # fmt: skip
    if not outcome.reused and not any(row.load for row in outcome.result.rows):
        from embedlab.report.plots import plot_run

        typer.echo(plot_run(outcome.log, quality_rows, out, options))


def print_speed(outcome: Any, modalities: list[str]) -> None:
    """The tables, verdicts, notes, skipped cases and written files of a speed outcome."""
    from embedlab.report.late_speed import maxsim_table, tokens_table
    from embedlab.report.load_table import load_table
    from embedlab.report.speed import cold_start_table, machine_table, speed_table, split_table

    rows = outcome.result.rows
    if outcome.log.config.get("quick") or outcome.log.config.get("speed", {}).get("quick"):
        typer.echo("QUICK LOOK (--quick): rough figures; measure without --quick to compare\n")
    load = load_table(rows)
    tables = (load, machine_table(rows)) if load else (
        speed_table(rows), split_table(rows), tokens_table(rows), maxsim_table(rows),
        cold_start_table(rows), machine_table(rows),
    )  # fmt: skip
    typer.echo(tables[0])
    for table in tables[1:]:
        if table:
            typer.echo(f"\n{table}")
    typer.echo("")
    for note in outcome.log.notes:
        if note.startswith("speed: "):
            typer.echo(note.removeprefix("speed: "))
    for error in outcome.result.errors:
        typer.echo(error, err=True)
    for line in outcome.files:
        typer.echo(f"wrote {line}")


@contextmanager
def progress_view() -> Iterator[Callable[[Any], None]]:
    """A rich bar of timed runs (done / total, ETA) on a terminal; plain lines otherwise."""
    if not sys.stderr.isatty():

        def line(step: Any) -> None:
            eta = "" if step.eta_seconds is None else f", about {step.eta_seconds:.0f} s left"
            typer.echo(f"[{step.done}/{step.total} timed runs{eta}] {step.label}", err=True)

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("[bold]speed"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[eta]}"),
               TextColumn("{task.description}", markup=False))  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task("", total=None, eta="")

        def update(step: Any) -> None:
            eta = "" if step.eta_seconds is None else f"ETA {step.eta_seconds:.0f} s"
            bar.update(task, completed=step.done, total=step.total, eta=eta,
                       description=step.label)  # fmt: skip

        yield update


def print_suite_speed(result: Any) -> None:
    """The speed part of a bare ``embedlab run``: table, verdicts, whether it was measured now
    or reused (``--reuse-speed``), and skipped cases."""
    from embedlab.report.speed import speed_table

    typer.echo(f"\n{speed_table(result.speed.rows)}")
    for note in result.combined.notes:
        if note.startswith(("speed: measured now", "speed: reused")):
            typer.echo(note.removeprefix("speed: "))
    for error in result.speed.errors:
        typer.echo(error, err=True)
