"""Orchestration of a run: models × tasks → parts → RunLog. No math and no file formats here."""

from __future__ import annotations

import json
from collections.abc import Callable

from embedlab._atomic import ensure_writable_dir
from embedlab.config.run import RunConfig, identity_differences
from embedlab.core.clock import embedlab_version, utc_now
from embedlab.core.progress import ProgressFactory, rich_progress
from embedlab.embedding.executors.base import Executor, ExecutorOptions, create_executor
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import ConfigError, ResultsError
from embedlab.models._ref_options import with_options
from embedlab.models.base import ModelSpec
from embedlab.models.registry import MODEL_SOURCES, parse_model
from embedlab.models.revision import revision_note
from embedlab.perf.environment import capture_environment
from embedlab.results.io import RESULTS_JSON, read_results
from embedlab.results.lock import output_lock
from embedlab.results.outcomes import write_outcomes
from embedlab.results.parts import Part, PartStore
from embedlab.results.publish import publish_results
from embedlab.results.schema import DatasetInfo, OutcomeFile, RunLog
from embedlab.stats.intervals import metric_rows
from embedlab.tasks.base import TASKS, Task, TaskContext, TaskParams
from embedlab.tasks.params import check_overrides, fill_params
from embedlab.verbs.late_plan import (
    SecondStage,
    check_late_models,
    check_muvera,
    check_rerank,
)
from embedlab.verbs.part_key import DataStamps, part_key
from embedlab.verbs.search_setting import search_setting

Notify = Callable[[str], None]


def run(config: RunConfig, notify: Notify | None = None) -> RunLog:
    """Run every model on every task of ``config``; write and return the RunLog.

    Before any work: names and paths are checked, ``--out`` and ``--cache-dir`` are proven
    writable (:func:`embedlab._atomic.ensure_writable_dir`), the output folder is locked for
    this run (:func:`embedlab.results.lock.output_lock`: a second run on it fails at once), and
    a ``results.json`` already there must come from the same result-determining config
    (:func:`embedlab.config.run.result_identity`), else ConfigError unless ``overwrite``.

    Finished (model, task) parts found in ``config.out`` are reused; ``results.json``,
    ``results.csv`` and ``outcomes/`` are published as one set
    (:func:`embedlab.results.publish.publish_results`) only when every part succeeded, then the
    outcome files and parts of any earlier run in the folder are removed.
    """
    say = notify or (lambda message: None)
    started = utc_now()
    _check_paths(config)
    specs = [_model_spec(config, text) for text in config.models]
    for spec in specs:
        _require_trained(spec)
    tasks = _tasks(config)
    definitions = [TASKS.get(name) for name, _, _ in tasks]
    rerank_spec = None if config.rerank is None else _model_spec(config, config.rerank, True)
    if rerank_spec is not None:
        _require_trained(rerank_spec)
    check_rerank(config, definitions, rerank_spec)
    check_muvera(config, definitions, specs)
    check_late_models(definitions, specs if rerank_spec is None else [*specs, rerank_spec])
    ensure_writable_dir(config.out, "--out")
    ensure_writable_dir(config.cache_dir, "--cache-dir")
    executor = _executor(config)  # a dead --ray-address fails here, before any work
    search = search_setting(config.executor, config.ray_address)  # BEIR exact top-k: Ray too
    with output_lock(config.out, "embedlab run"):
        _check_previous(config, say)
        store = PartStore(config.out)
        progress: ProgressFactory | None = rich_progress if config.progress else None
        stamps = DataStamps()
        parts: list[Part] = []
        second = None
        if rerank_spec is not None and config.candidates is not None:
            reranker = EmbeddingProvider(rerank_spec, config.cache_dir, config.workers, progress)
            second = SecondStage(reranker, config.candidates)
        for spec in specs:
            provider = EmbeddingProvider(
                spec,
                config.cache_dir,
                config.workers,
                progress,
                api_key_env=config.api_key_env,
                executor=executor,
                fast_decode=config.fast_decode,
            )
            for name, task, params in tasks:
                kind = TASKS.get(name).kind
                instructions = provider.instructions(kind)
                stage = None if second is None else second.key_fields()
                key = part_key(
                    config, spec, provider.fingerprint, name, params, stamps, instructions, stage
                )
                label = spec.name if second is None else second.label(spec.name)
                part = store.load(key)
                if part is None:
                    say(f"running {name} with {label}")
                    context = TaskContext(
                        provider.for_task(kind),
                        config.cache_dir,
                        config.chunk_mb,
                        rerank=None if second is None else second.provider.for_task(kind),
                        candidates=100 if second is None else second.candidates,
                        corpus_memory_mb=config.corpus_memory_mb,
                        search=search,
                    )
                    part = _run_part(config, store, key, provider, context, name, task, second)
                else:
                    say(f"reusing finished {name} with {label} from {store.root}")
                parts.append(part)
        return _finish(config, store, parts, started)


def _executor(config: RunConfig) -> Executor:
    """``--executor`` with its ``--ray-*`` settings (unset ones take the executor's defaults)."""
    default = ExecutorOptions()
    options = ExecutorOptions(
        address=config.ray_address,
        actors=config.ray_actors or default.actors,
        cpus_per_actor=config.ray_cpus_per_actor or default.cpus_per_actor,
        gpus_per_actor=config.ray_gpus_per_actor or default.gpus_per_actor,
    )
    return create_executor(config.executor, options)


def _check_previous(config: RunConfig, say: Notify) -> None:
    """Refuse to mix with a different run's results in ``config.out`` (unless ``overwrite``)."""
    path = config.out / RESULTS_JSON
    if not path.exists():
        return
    try:
        differences = identity_differences(read_results(path).config, config)
    except ResultsError as exc:
        problem = f"holds a results.json that cannot be read ({exc})"
    else:
        if differences == []:
            return
        problem = (
            "holds the results of another kind of run (its config names no tasks: "
            "e.g. embedlab speed)"
            if differences is None
            else "holds the results of a different run (" + "; ".join(differences) + ")"
        )
    if not config.overwrite:
        raise ConfigError(
            f"--out {config.out} {problem}; choose another --out, or pass --overwrite to "
            "replace those results"
        )
    say(f"--overwrite: {config.out} {problem}; it is replaced when this run finishes")


def _tasks(config: RunConfig) -> list[tuple[str, Task, TaskParams]]:
    """Each ``--task`` built from its declared parameters (flags and ``-T`` overrides)."""
    definitions = [TASKS.get(name) for name in config.tasks]
    check_overrides(definitions, config.task_params)
    flags: dict[str, object] = {
        "data_dir": config.data_dir,
        "split": config.split,
        "hub_id": config.hub_id,
        "protocols": tuple(config.protocols),
        "classnames": config.classnames,
        "templates": config.templates,
        "muvera": config.muvera,
    }
    out = []
    for definition in definitions:
        params = fill_params(definition, flags, config.task_params)
        out.append((definition.name, definition.build(definition.name, params), params))
    return out


def _run_part(
    config: RunConfig,
    store: PartStore,
    key: str,
    provider: EmbeddingProvider,
    context: TaskContext,
    name: str,
    task: Task,
    second: SecondStage | None = None,
) -> Part:
    before = len(provider.timings)
    before_second = 0 if second is None else len(second.provider.timings)
    result = task.run(context)
    spec = provider.spec
    label = spec.name if second is None else second.label(spec.name)
    timings = provider.timings[before:]
    notes = result.notes + _instruction_notes(provider, name) + _revision_notes(provider)
    model_info = dict(provider.model_info)
    if second is not None:
        timings += second.provider.timings[before_second:]
        notes += second.notes(provider)
        model_info.update(second.model_info())
    rows = metric_rows(
        result.metrics,
        model=label,
        runtime=spec.runtime,
        precision=spec.precision,
        task=name,
        dataset=result.dataset.name,
        n_resamples=config.bootstrap,
        level=config.confidence,
        seed=config.seed,
    )
    write_outcomes(store.outcomes_path(key), result.outcomes)
    columns = sorted({c for o in result.outcomes for c in o.values})
    part = Part(
        key=key,
        model=label,
        task=name,
        dataset=result.dataset,
        metrics=rows,
        timings=timings,
        outcome_columns=columns,
        notes=[f"{name}: {note}" for note in notes],
        model_info=model_info,
    )
    store.save(part)
    return part


def _revision_notes(provider: EmbeddingProvider) -> list[str]:
    """The pinned revision and trusted remote code of the model, if any (models.revision)."""
    note = revision_note(provider.provenance())
    return [] if note is None else [note]


def _instruction_notes(provider: EmbeddingProvider, name: str) -> list[str]:
    """The resolved instructions of an instruction-aware model for task ``name``."""
    instructions = provider.instructions(TASKS.get(name).kind)
    if instructions is None:
        return []
    return [
        f"model {provider.spec.name}: query instruction {instructions.query!r} "
        f"({instructions.query_origin}); document instruction {instructions.document!r} "
        f"({instructions.document_origin})"
    ]


def _finish(config: RunConfig, store: PartStore, parts: list[Part], started: str) -> RunLog:
    sources = {store.published_name(part): store.outcomes_path(part.key) for part in parts}
    outcome_files = [
        OutcomeFile(
            model=part.model,
            task=part.task,
            path=store.published_name(part),
            columns=part.outcome_columns,
        )
        for part in parts
    ]
    datasets = _merge_datasets([p.dataset for p in parts])
    log = RunLog(
        embedlab_version=embedlab_version(),
        status="complete",
        started_at=started,
        finished_at=utc_now(),
        config=json.loads(config.model_dump_json()),
        environment={**capture_environment(), "models": _model_info(parts)},
        datasets=datasets,
        metrics=[row for p in parts for row in p.metrics],
        outcomes=outcome_files,
        timings=[t for p in parts for t in p.timings],
        notes=[note for p in parts for note in p.notes],
    )
    publish_results(config.out, log, outcomes=sources)
    store.prune(keep={part.key for part in parts})
    return log


def _model_info(parts: list[Part]) -> dict[str, dict[str, int]]:
    """Per model, what its parts observed (embedding dim; parameters when it was loaded)."""
    info: dict[str, dict[str, int]] = {}
    for part in parts:
        info.setdefault(part.model, {}).update(part.model_info)
    return info


def _check_paths(config: RunConfig) -> None:
    """Fail before any work when a path flag points nowhere."""
    for flag, path in (
        ("--data-dir", config.data_dir),
        ("--classnames", config.classnames),
        ("--templates", config.templates),
    ):
        if path is not None and not path.exists():
            raise ConfigError(f"{flag} {str(path)!r} does not exist")


def _merge_datasets(infos: list[DatasetInfo]) -> list[DatasetInfo]:
    """One entry per (name, fingerprint); per-model provenance in ``details`` is merged."""
    merged: dict[tuple[str, str], DatasetInfo] = {}
    for info in infos:
        key = (info.name, info.fingerprint)
        if key not in merged:
            merged[key] = info
            continue
        details = dict(merged[key].details)
        for field, value in info.details.items():
            old = details.get(field)
            details[field] = (
                {**old, **value} if isinstance(old, dict) and isinstance(value, dict) else value
            )
        merged[key] = merged[key].model_copy(update={"details": details})
    return list(merged.values())


def _model_spec(config: RunConfig, text: str, reranker: bool = False) -> ModelSpec:
    """The spec of one ``--model``, with run-wide ``--dim`` and prompt overrides applied.

    ``reranker``: the ``--rerank`` model instead: the run's precision and device, on torch (the
    runtime of multi-vector models), without the ``--model`` overrides (``--dim``, prompts,
    instructions), which are for the first stage.
    """
    if reranker:
        return parse_model(
            text,
            precision=config.resolved_precision,
            device=config.device,
            batch_size=config.batch_size,
            trust_remote_code=config.trust_remote_code,
        )
    options: dict[str, str | int] = {}
    if config.dim is not None:
        options["dim"] = config.dim
    if config.query_prompt is not None:
        options["query_prompt"] = config.query_prompt
    if config.document_prompt is not None:
        options["document_prompt"] = config.document_prompt
    if config.query_instruction is not None:
        options["query_instruction"] = config.query_instruction
    if config.document_instruction is not None:
        options["document_instruction"] = config.document_instruction
    if options:
        text = with_options(text, **options)
    return parse_model(
        text,
        precision=config.resolved_precision,
        device=config.device,
        batch_size=config.batch_size,
        trust_remote_code=config.trust_remote_code,
        runtime=config.runtime,
    )


def _require_trained(spec: ModelSpec) -> None:
    """Refuse models whose source builds random weights (``arch:``): they are for speed only."""
    if MODEL_SOURCES.get(spec.source).speed_only:
        raise ConfigError(
            f"model {spec.name!r} has random weights: speed only; quality tasks need trained "
            f"weights (e.g. hf:{spec.ref}); measure its speed with: embedlab speed --model "
            f"{spec.name}"
        )
