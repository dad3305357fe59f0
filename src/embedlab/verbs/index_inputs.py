"""The search problems of a finished run, from its cached embeddings only (no model load).

``results.json`` of the run gives the resolved :class:`~embedlab.config.run.RunConfig`: model
specs (with ``--dim``, prompts, precision, runtime), tasks with their parameters, and the cache
folder. Each model reads its embeddings through a
:class:`~embedlab.embedding.cached.CachedEmbedder` (the run's cache keys); a missing entry
stops the study with the command that re-creates it. Each task that implements
:class:`~embedlab.tasks.search_problem.SearchProblemSource` hands over its protocols; the
others (pair choice, zero-shot) are skipped with a note, as is a multi-vector (late-interaction)
model: indexes take one dense vector per item (a run of multi-vector models only is refused).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from embedlab.config.run import RunConfig
from embedlab.embedding.cached import CachedEmbedder
from embedlab.errors import ConfigError
from embedlab.results.io import RESULTS_JSON, read_results
from embedlab.scoring.search_executor import LOCAL, SearchExecutor
from embedlab.tasks.base import TASKS, TaskContext
from embedlab.tasks.search_problem import SearchProblem, SearchProblemSource
from embedlab.verbs.run import _model_spec, _tasks

#: RunConfig fields written back as ``embedlab run`` flags in the re-create command.
_FLAGS = (
    "data_dir",
    "precision",
    "device",
    "runtime",
    "batch_size",
    "split",
    "hub_id",
    "dim",
    "query_prompt",
    "document_prompt",
    "classnames",
    "templates",
    "rerank",
    "candidates",
)

MULTI_VECTOR = (
    "a multi-vector (late-interaction) model; indexes take dense vectors (one per item); use "
    "--muvera on the vidore task for multi-vector first stages"
)


@dataclass(frozen=True)
class ModelProblems:
    """The search problems of one (model, task) of the run."""

    model: str
    task: str
    problems: list[SearchProblem]


@dataclass(frozen=True)
class RunProblems:
    """Everything the study takes from the run."""

    config: RunConfig
    items: list[ModelProblems]
    notes: list[str]


def load_run_config(run: Path, cache_dir: Path | None = None) -> RunConfig:
    """The run's resolved config (``cache_dir`` overrides where its cache lives).

    Raises:
        ConfigError: no results.json, or not a quality run (e.g. ``embedlab speed``).
    """
    path = run / RESULTS_JSON
    if not path.is_file():
        raise ConfigError(f"RUN {run}: no {RESULTS_JSON}; give the --out folder of an embedlab run")
    raw: dict[str, Any] = dict(read_results(path).config)
    if "tasks" not in raw:
        raise ConfigError(
            f"RUN {run}: its {RESULTS_JSON} holds no tasks (an embedlab speed run?); the index "
            "study needs a quality run (embedlab run --model ... --task ...)"
        )
    # A run that also measured speed (the default suite, run + speed into one folder) carries
    # the speed settings under "speed" (verbs.speed.carry_speed); they are not run settings.
    raw.pop("speed", None)
    if cache_dir is not None:
        raw["cache_dir"] = str(cache_dir)
    try:
        return RunConfig.model_validate({**raw, "progress": False})
    except ValidationError as exc:
        raise ConfigError(
            f"RUN {run}: its config cannot be read ({exc.errors()[0]['msg']})"
        ) from None


def recreate_command(config: RunConfig, run: Path) -> str:
    """The ``embedlab run`` command that re-creates the run's embeddings in its cache."""
    words = ["embedlab", "run"]
    for model in config.models:
        words += ["--model", model]
    for task in config.tasks:
        words += ["--task", task]
    defaults = RunConfig.model_fields
    for name in _FLAGS:
        value = getattr(config, name)
        if value is not None and value != defaults[name].get_default():
            words += [f"--{name.replace('_', '-')}", str(value)]
    for protocol in config.protocols:
        words += ["--protocol", protocol]
    for key, value in config.task_params.items():
        words += ["-T", f"{key}={value}"]
    if config.muvera:
        words.append("--muvera")
    words += ["--out", str(run), "--cache-dir", str(config.cache_dir)]
    return shlex.join(words)


def run_problems(
    run: Path,
    cache_dir: Path | None = None,
    search: SearchExecutor = LOCAL,
    corpus_memory_mb: float | None = None,
) -> RunProblems:
    """Search problems of every (model, retrieval-type task) of the run at ``run``.

    Their exact search runs where ``search`` says, holding a corpus up to ``corpus_memory_mb``
    MB (None: the run's own ``--corpus-memory-mb``).
    """
    config = load_run_config(run, cache_dir)
    budget = config.corpus_memory_mb if corpus_memory_mb is None else corpus_memory_mb
    command = recreate_command(config, run)
    items: list[ModelProblems] = []
    notes: list[str] = []
    tasks = _tasks(config)
    late: list[str] = []
    for text in config.models:
        spec = _model_spec(config, text)
        provider = CachedEmbedder(
            spec,
            config.cache_dir,
            api_key_env=config.api_key_env,
            fast_decode=config.fast_decode,
            run=run,
            recreate=command,
        )
        if provider.late_interaction:
            late.append(spec.name)
            notes.append(f"{spec.name}: skipped ({MULTI_VECTOR})")
            continue
        for name, task, _ in tasks:
            embed = provider.for_task(TASKS.get(name).kind)  # as the run did (instructions)
            context = TaskContext(
                embed, config.cache_dir, config.chunk_mb, corpus_memory_mb=budget, search=search
            )
            if not isinstance(task, SearchProblemSource):
                note = f"{name}: skipped (not a search over a corpus: pair choice or zero-shot)"
                if note not in notes:
                    notes.append(note)
                continue
            items.append(ModelProblems(spec.name, name, task.search_problems(context)))
    if not items and late:
        raise ConfigError(f"RUN {run}: model {', '.join(late)}: {MULTI_VECTOR}")
    if not items:
        raise ConfigError(
            f"RUN {run}: none of its tasks ({', '.join(config.tasks)}) is a retrieval task "
            "(image–text retrieval or BEIR); nothing to index"
        )
    return RunProblems(config, items, notes)
