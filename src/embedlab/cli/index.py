"""``embedlab index``: a finished run's retrieval tasks searched through vector indexes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def index_command(
    run: Annotated[
        Path, typer.Argument(metavar="RUN", help="Folder of a finished embedlab run (--out).")
    ],
    out: Annotated[
        Path, typer.Option(help="Folder for results.json, index.csv, Pareto plots, index data.")
    ],
    index: Annotated[
        list[str] | None,
        typer.Option(
            "--index",
            metavar="CFG",
            help="Index configuration, NAME[:PARAM=VALUE,...], values with / sweep, e.g. "
            "hnsw:M=32,ef_search=16/64 or binary-rescore:R=4 (repeatable; 'embedlab list' "
            "shows the backends). Default: the --backend family's sweep.",
        ),
    ] = None,
    dim: Annotated[
        list[int] | None,
        typer.Option(
            "--dim",
            help="Matryoshka: also study every configuration on the first N dims, "
            "renormalised (repeatable).",
        ),
    ] = None,
    backend: Annotated[
        str,
        typer.Option(metavar="faiss|lancedb", help="Family of the default sweep."),
    ] = "faiss",
    k: Annotated[
        list[int] | None,
        typer.Option(
            "--k", help="Cut-off of recall against exact search (repeatable).", show_default="10"
        ),
    ] = None,
    scale: Annotated[
        list[int] | None,
        typer.Option(
            "--scale",
            metavar="N",
            help="Synthetic corpus size of the scaling study (repeatable; default 2000, 5000, "
            "10000: a few minutes at most on 2 cores; e.g. --scale 100000 --scale 1000000).",
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Embedding cache of the run (default: the one it used)."),
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="faiss threads (default: faiss's own setting).")
    ] = None,
    latency_queries: Annotated[
        int, typer.Option(help="Single-query searches timed per configuration.")
    ] = 200,
    corpus_memory_mb: Annotated[
        float | None,
        typer.Option(
            metavar="MB",
            help="BEIR exact search: search a corpus whose embeddings exceed MB shard by shard "
            "from the embedding cache (same results; default: the run's setting).",
        ),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            metavar="local|ray",
            help="Where BEIR's exact search runs: local (this process) or ray (one Ray task per "
            "corpus shard; same results).",
        ),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="--executor ray: the cluster, ray://HEAD:10001 or HEAD:6379 or auto "
            "(default: start Ray on this machine); it must see the run's cache folder.",
        ),
    ] = None,
    ray_cpus_per_task: Annotated[
        float | None,
        typer.Option(
            help="--executor ray: CPUs reserved per search task, may be fractional (default 0.5)."
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Search RUN's queries through index configurations, from its cached embeddings.

    Per configuration: the run's metrics through the index (CI, paired test against exact
    search), recall against exact search, build time, index bytes, p50/p99 latency, batched
    queries/s, peak RSS; then a scaling study on synthetic corpora. No model is loaded.
    """
    from embedlab.cli._settings import build_config
    from embedlab.report.index_plots import write_index_plots
    from embedlab.report.index_tables import render_index
    from embedlab.verbs.index_study import IndexStudyConfig, index_study

    settings: dict[str, Any] = {
        "run": run,
        "out": out,
        "indexes": index or [],
        "dims": dim or [],
        "backend": backend,
        "cache_dir": cache_dir,
        "threads": threads,
        "latency_queries": latency_queries,
        "progress": progress,
        "corpus_memory_mb": corpus_memory_mb,
        "executor": executor,
        "ray_address": ray_address,
        "ray_cpus_per_task": ray_cpus_per_task,
    }
    if k:
        settings["ks"] = k
    if scale:
        settings["scales"] = scale
    config = build_config(IndexStudyConfig, settings)
    log = index_study(config, notify=lambda message: typer.echo(message, err=True))
    typer.echo(render_index(log))
    plots = write_index_plots(log.index, out)
    typer.echo(f"wrote {out / 'results.json'} (every index row), {out / 'index.csv'}")
    for path in plots:
        typer.echo(f"      {path}")
