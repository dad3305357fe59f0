"""The RunLog: the versioned, self-describing record of one ``embedlab run``.

``schema_version`` comes first. Values are fractions (reports show percent). Every metric is a
row (model, runtime, precision, task, dataset, protocol, metric, k, value, n, and its confidence
interval when computed), so results of many runs concatenate into one table.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = 1

Status = Literal["running", "complete", "failed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricRow(_Frozen):
    """One number: ``value`` of ``metric`` for ``model`` on ``task``/``protocol``."""

    model: str
    runtime: str
    precision: str
    task: str
    dataset: str
    protocol: str
    metric: str
    k: int | None = None
    value: float
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    ci_method: str | None = None


class DatasetInfo(_Frozen):
    """Which data a task ran on: enough to refuse comparing runs on different items.

    ``details`` holds task provenance worth replaying, e.g. zero-shot class names and templates.
    """

    name: str
    split: str
    source: str
    fingerprint: str
    n_images: int
    n_captions: int
    details: dict[str, Any] = {}


class OutcomeFile(_Frozen):
    """Where the per-query outcomes of one (model, task) live, relative to the run folder.

    Every outcomes table has the columns ``protocol``, ``query_id`` and ``cluster_id`` (the
    independent resampling unit: the image for caption queries, the query itself otherwise),
    plus the task's outcome columns (``rank`` for retrieval).
    """

    model: str
    task: str
    path: str
    columns: list[str]


class EncodeTiming(_Frozen):
    """How long encoding took in this run (0 computed items when everything came from cache).

    These are wall-clock figures of a quality run, including image decoding and preprocessing;
    rigorous speed figures come from ``embedlab speed``. ``load_seconds``: the part of
    ``seconds`` spent loading the model, when this fill was the first to need it (0 otherwise,
    and for executors that load the model elsewhere, e.g. Ray actors).
    """

    model: str
    dataset: str
    modality: str
    n_items: int
    n_computed: int
    seconds: float
    batch_size: int
    load_seconds: float = 0.0


class SpeedRow(_Frozen):
    """One speed figure from ``embedlab speed`` (or the speed step of a run).

    ``metric`` is ``throughput`` (unit ``items/s``: items / wall seconds of a sustained run),
    ``latency_p50`` / ``latency_p90`` / ``latency_p99`` / ``latency_mean`` (unit ``ms`` per
    call), ``cold_start`` (``s``), or ``peak_rss`` (``MiB``). ``timed_region`` says what the clock
    covered (e.g. ``model``, ``preprocess``, ``preprocess+model``).

    With ``embedlab speed --repeats N`` (N timed runs of a case after one warm-up), the metrics
    above are computed over the pooled calls of all N runs, and for ``N >= 2`` two more rows
    appear: ``throughput_mean`` and ``throughput_std`` (unit ``items/s``, ``n`` = N runs), the
    mean and sample std (``ddof=1``) of the N per-run sustained throughputs. That std is
    run-to-run variation on the measuring machine, not a confidence interval; with ``N = 1``
    neither row is written.

    Optional (absent in files written before them): ``unstable`` (``True``/``False`` for the
    rows of a timed case, ``None`` where no verdict applies, e.g. cold start) and
    ``unstable_reason`` (one line, e.g. ``another process used 0.90 cores during timing``),
    see :mod:`embedlab.perf.stability`; ``machine``: the state of the machine while the case
    was timed (interference in cores, load average, usable CPUs, cgroup quota, governor, the
    thread settings in force, per-round throughputs), see :mod:`embedlab.perf.machine`.

    Load-test rows (``embedlab speed`` against an endpoint, :mod:`embedlab.perf.load_test`)
    have ``device`` ``remote``, ``batch_size`` = texts per request, ``timed_region``
    ``request``, and the optional ``concurrency`` (closed loop: requests in flight) and
    ``load`` (mode, level, offered rate, requests, errors by reason, client/server CPU in
    cores, ``client_bound``, ``knee``); their metrics are ``throughput`` (items/s), ``qps``
    (successful requests/s), ``latency_p50/p90/p99`` (ms per request), ``error_rate``
    (fraction of requests) and ``client_cpu`` / ``server_cpu`` (cores).

    Multi-vector (late-interaction) models (:mod:`embedlab.perf.multivector`): the rows of a
    timed case carry the optional ``tokens_per_item`` (mean tokens per item of its outputs);
    the MaxSim scoring case has ``modality`` ``maxsim``, ``batch_size`` = documents scored per
    call, ``throughput`` in ``docs/s`` (documents scored per second for one query), latency in
    ms per query, and ``maxsim`` (documents, tokens per document and per query, ``D``, dot
    products and FLOPs per query, corpus bytes, BLAS threads).
    """

    model: str
    runtime: str
    precision: str
    device: str
    batch_size: int
    modality: str
    metric: str
    value: float
    unit: str
    n: int
    threads: int | None = None
    timed_region: str = "model"
    unstable: bool | None = None
    unstable_reason: str | None = None
    machine: dict[str, Any] | None = None
    concurrency: int | None = None
    load: dict[str, Any] | None = None
    tokens_per_item: float | None = None
    maxsim: dict[str, Any] | None = None


class IndexRow(_Frozen):
    """One figure of ``embedlab index`` (or ``deploy``) for one index configuration.

    ``metric`` names the figure: an end-task metric through the index (``recall@1``,
    ``ndcg@10``..., a fraction, with its bootstrap CI, ``delta`` against exact search and the
    paired test's ``p_value``), ``recall_vs_exact@K`` (ANN recall, tie-aware), or a cost:
    ``build_time`` (``s``), ``index_bytes`` / ``bytes_per_vector`` (``B``, measured from the
    serialised index), ``latency_p50`` / ``latency_p99`` (``ms``, single-query calls),
    ``qps_batched`` (``queries/s``), ``peak_rss`` (``MiB``). ``scale_n`` is set on rows of the
    synthetic scaling study (corpus size); ``source`` says ``measured`` or how a figure was
    extrapolated; ``details`` holds fits, settings and machine state. Optional in RunLog.
    """

    model: str
    task: str
    protocol: str
    index: str
    backend: str
    dim: int
    metric: str
    value: float
    unit: str = ""
    n: int = 0
    k: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    delta: float | None = None
    p_value: float | None = None
    scale_n: int | None = None
    source: str = "measured"
    unstable: bool | None = None
    unstable_reason: str | None = None
    details: dict[str, Any] | None = None


class RunLog(_Frozen):
    """Everything one run produced, and how to replay it."""

    schema_version: int = SCHEMA_VERSION
    embedlab_version: str
    status: Status
    started_at: str
    finished_at: str | None = None
    config: dict[str, Any]
    environment: dict[str, Any]
    datasets: list[DatasetInfo] = []
    metrics: list[MetricRow] = []
    speed: list[SpeedRow] = []
    index: list[IndexRow] = []
    outcomes: list[OutcomeFile] = []
    timings: list[EncodeTiming] = []
    notes: list[str] = []
    errors: list[str] = []
