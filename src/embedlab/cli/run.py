"""``embedlab run``: run models on tasks and print the results table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from embedlab.cli.run_output import say_written, shown_warnings
from embedlab.errors import ConfigError

ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="MODEL",
        help="A preset name (e.g. all-minilm-l6-v2) or SOURCE:REF, e.g. "
        "hf:openai/clip-vit-base-patch16 (repeatable; 'embedlab list' shows both). "
        "Without --model and --task: the built-in offline suite.",
    ),
]
TaskOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--task", "-t", metavar="TASK", help="Task name, e.g. coco-karpathy (repeatable)."
    ),
]


def run_command(
    suite_file: Annotated[
        str | None,
        typer.Argument(
            metavar="SUITE",
            help="A suite: a .toml file or a built-in name (default, seed-report, runtimes); "
            "same as --suite.",
            show_default=False,
        ),
    ] = None,
    model: ModelOpt = None,
    task: TaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Required with --model/--task: folder for results.json, results.csv, "
            "outcomes/ (suite: runs/default)."
        ),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Local dataset folder (default: the Hub).")
    ] = None,
    precision: Annotated[
        str | None, typer.Option(help="fp32 | bf16 | fp16 (default: fp32 on CPU, bf16 on CUDA).")
    ] = None,
    device: Annotated[str, typer.Option(help="Torch device: cpu, cuda, cuda:1.")] = "cpu",
    batch_size: Annotated[int, typer.Option(help="Items per forward pass.")] = 32,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            metavar="PROTOCOL",
            help="Retrieval protocol(s): t2i, t2i-first, i2t, i2t-symmetric (default: all).",
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help="Embedding/download cache (default: ~/.cache/embedlab or $EMBEDLAB_CACHE)."
        ),
    ] = None,
    split: Annotated[str, typer.Option(help="Dataset split.")] = "test",
    hub_id: Annotated[
        str | None,
        typer.Option(help="Override the dataset's Hugging Face id (or a local dataset path)."),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for confidence intervals (0: none).")
    ] = 1000,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap generator.")] = 0,
    workers: Annotated[
        int,
        typer.Option(
            help="Processes decoding and preprocessing images ahead of the model (threads "
            "for models whose preprocessing cannot run apart)."
        ),
    ] = 2,
    fast_decode: Annotated[
        bool,
        typer.Option(
            "--fast-decode",
            help="Decode JPEGs at reduced scale (draft mode) down to the model's input size: "
            "faster, approximate pixels, cached apart from exact ones (models whose "
            "preprocessing runs in the decode workers, e.g. open_clip; others decode exactly).",
        ),
    ] = False,
    runtime: Annotated[
        str,
        typer.Option(
            help="What runs the forward pass: torch, onnxruntime, openvino, or an endpoint "
            "http://HOST:PORT (with --api; text tasks only)."
        ),
    ] = "torch",
    api: Annotated[
        str | None,
        typer.Option(help="Endpoint runtime: the API it speaks, openai or tei (docs/http.md)."),
    ] = None,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            help="Endpoint runtime: environment variable holding the API key (default: "
            "EMBEDLAB_API_KEY, then OPENAI_API_KEY; the key is never written anywhere)."
        ),
    ] = None,
    dim: Annotated[
        int | None,
        typer.Option(help="Matryoshka: truncate embeddings to the first N dims, renormalise."),
    ] = None,
    query_prompt: Annotated[
        str | None, typer.Option(help="Override the model preset's query prompt ('' = none).")
    ] = None,
    document_prompt: Annotated[
        str | None, typer.Option(help="Override the model preset's document prompt ('' = none).")
    ] = None,
    query_instruction: Annotated[
        str | None,
        typer.Option(
            help="Instruction-aware models (mllm:): the query instruction for every task, "
            "instead of the recipe's per-task default."
        ),
    ] = None,
    document_instruction: Annotated[
        str | None,
        typer.Option(
            help="Instruction-aware models (mllm:): the document instruction, instead of the "
            "recipe's default."
        ),
    ] = None,
    classnames: Annotated[
        Path | None,
        typer.Option(help="zeroshot: class names JSON (default <data-dir>/classnames.json)."),
    ] = None,
    templates: Annotated[
        Path | None, typer.Option(help="zeroshot: prompt templates JSON (default: built-in).")
    ] = None,
    muvera: Annotated[
        bool,
        typer.Option(
            "--muvera",
            help="Late-interaction models (vidore): also search with MUVERA (fixed-dimensional "
            "encodings, then exact MaxSim of the top K; -T muvera_candidates=K, default 100) "
            "beside exact MaxSim.",
        ),
    ] = False,
    rerank: Annotated[
        str | None,
        typer.Option(
            metavar="MODEL",
            help="Two-stage retrieval (vidore): rerank each --model's top --candidates per query "
            "by exact MaxSim of this late-interaction model, e.g. hf:vidore/colpali-v1.3-hf "
            "(on torch).",
        ),
    ] = None,
    candidates: Annotated[
        int | None,
        typer.Option(
            metavar="K", help="With --rerank: first-stage candidates per query (default 100)."
        ),
    ] = None,
    trust_remote_code: Annotated[
        bool, typer.Option("--trust-remote-code", help="Allow model repos to run their own code.")
    ] = False,
    task_param: Annotated[
        list[str] | None,
        typer.Option(
            "--task-param",
            "-T",
            metavar="NAME=VALUE",
            help="Set a task parameter by name (repeatable), e.g. -T split=val; "
            "'embedlab list' shows each task's parameters.",
        ),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            help="What computes missing embeddings: local (this process) or ray (a Ray actor "
            "pool; the same cache, so either executor can finish a run; BEIR's exact search "
            "then runs as Ray tasks too, same results).",
        ),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="--executor ray: the cluster, ray://HEAD:10001 or HEAD:6379 or auto "
            "(default: start Ray on this machine).",
        ),
    ] = None,
    ray_actors: Annotated[
        int | None,
        typer.Option(help="--executor ray: actors in the pool, one model copy each (default 2)."),
    ] = None,
    ray_cpus_per_actor: Annotated[
        float | None,
        typer.Option(
            help="--executor ray: CPUs reserved per actor, may be fractional (default 0.5)."
        ),
    ] = None,
    ray_gpus_per_actor: Annotated[
        float | None,
        typer.Option(
            help="--executor ray: GPUs reserved per actor, with --device cuda (default 0)."
        ),
    ] = None,
    corpus_memory_mb: Annotated[
        float | None,
        typer.Option(
            metavar="MB",
            help="BEIR tasks: search a corpus whose embeddings exceed MB shard by shard from "
            "the embedding cache (same results; default: hold it in memory).",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace the results of a different run found in --out (default: refuse).",
        ),
    ] = False,
    reuse_speed: Annotated[
        bool,
        typer.Option(
            "--reuse-speed",
            help="Built-in suite: keep the speed rows of the earlier run in --out when they were "
            "measured with the same settings (default: speed is measured again).",
        ),
    ] = False,
    suite: Annotated[
        str | None,
        typer.Option(
            "--suite",
            metavar="NAME|PATH",
            help="Run a suite file (TOML: models x tasks x protocols x speed x report) or a "
            "built-in suite: default, seed-report, runtimes.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Suites: print the plan (models, tasks, speed cases), download sizes, what is "
            "already here and a time estimate for this machine; run nothing.",
        ),
    ] = False,
    only: Annotated[
        str | None,
        typer.Option(
            metavar="speed|quality",
            help="Suites: run only the speed half (offline on arch: weights when the real "
            "weights are absent) or only the quality half.",
        ),
    ] = None,
) -> None:
    """Run MODEL(s) on TASK(s); write results to --out and print the tables.

    Or run a SUITE (a TOML file or a built-in: default, seed-report, runtimes; --dry-run shows
    its plan, downloads and estimated time). With neither --model, --task nor SUITE, run the
    built-in offline suite (builtin:shapes-clip on shapes retrieval and shapes-pairs, then its
    speed on torch and a Pareto plot).
    """
    if suite_file and suite and suite_file != suite:
        raise ConfigError(f"two suites given ({suite_file} and --suite {suite}); give one")
    chosen = suite_file or suite
    if chosen and (model or task):
        raise ConfigError(
            f"suite {chosen} names its own models and tasks; drop --model/--task, or run "
            "them without a suite"
        )
    if not model and not task:
        from embedlab.cli.run_suite import SuiteFlags, run_suite_command

        flags = SuiteFlags(out, data_dir, cache_dir, device, progress, reuse_speed, overwrite,
                           dry_run, only, trust_remote_code)  # fmt: skip
        run_suite_command(chosen or "default", flags)
        return
    if dry_run or only:
        raise ConfigError("--dry-run and --only apply to suites (embedlab run SUITE)")
    if reuse_speed:
        raise ConfigError(
            "--reuse-speed applies to the built-in suite's speed step (embedlab run without "
            "--model/--task); a run with --model/--task measures no speed rows"
        )
    if not model or not task:
        missing = "--model" if not model else "--task"
        raise ConfigError(
            f"{missing} is missing: give both --model and --task, or neither for "
            "the built-in offline suite"
        )
    if out is None:
        raise ConfigError("--out is required: the folder that receives results.json")
    from embedlab.cli._settings import build_config, task_param_pairs
    from embedlab.config.run import RunConfig
    from embedlab.report.terminal import render_run
    from embedlab.runtimes.endpoint import endpoint_runtime
    from embedlab.verbs.run import run

    settings: dict[str, Any] = {
        "models": model,
        "tasks": task,
        "out": out,
        "data_dir": data_dir,
        "precision": precision,
        "device": device,
        "batch_size": batch_size,
        "protocols": protocol or [],
        "split": split,
        "hub_id": hub_id,
        "bootstrap": bootstrap,
        "confidence": confidence,
        "seed": seed,
        "workers": workers,
        "fast_decode": fast_decode,
        "trust_remote_code": trust_remote_code,
        "runtime": endpoint_runtime(runtime, api),
        "api_key_env": api_key_env,
        "dim": dim,
        "query_prompt": query_prompt,
        "document_prompt": document_prompt,
        "query_instruction": query_instruction,
        "document_instruction": document_instruction,
        "classnames": classnames,
        "templates": templates,
        "task_params": task_param_pairs(task_param or []),
        "muvera": muvera,
        "rerank": rerank,
        "candidates": candidates,
        "corpus_memory_mb": corpus_memory_mb,
        "progress": progress,
        "executor": executor,
        "ray_address": ray_address,
        "ray_actors": ray_actors,
        "ray_cpus_per_actor": ray_cpus_per_actor,
        "ray_gpus_per_actor": ray_gpus_per_actor,
        "overwrite": overwrite,
    }
    if cache_dir is not None:
        settings["cache_dir"] = cache_dir
    config = build_config(RunConfig, settings)
    with shown_warnings() as shown:
        log = run(config, notify=lambda message: typer.echo(message, err=True))
    typer.echo(render_run(log, shown=shown))
    typer.echo("")
    say_written(out)
