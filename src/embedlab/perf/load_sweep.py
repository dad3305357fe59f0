"""``embedlab speed`` against endpoints: parity, then a load test per model × endpoint × batch.

For each model × endpoint runtime (``API+URL``) of the :class:`SpeedConfig`:

1. the endpoint is opened as a runtime (``/info`` read; the model's own dimension checks
   apply) and its output on :data:`PARITY_TEXTS` synthetic captions is compared with the local
   torch fp32 model (:func:`embedlab.runtimes.parity.parity`: per-item cosine, mean and min)
   when that model can be loaded here; otherwise a note says parity was not measured;
2. for each ``--batch-size`` (texts per request) the levels run in turn
   (:func:`embedlab.perf.load_test.measure_levels`): ``--concurrency`` (closed loop) or
   ``--rate`` (open loop), warm-up ``--warmup-seconds``, duration floor ``--min-seconds`` and
   ``--min-iterations`` requests; rows from :mod:`embedlab.perf.load_rows`.

Request bodies rotate over 64 batches of distinct synthetic captions
(:func:`embedlab.perf.inputs.synthetic_captions`, seeded).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from embedlab.errors import ConfigError, EmbedlabError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.registry import parse_model
from embedlab.perf.config import SpeedConfig
from embedlab.perf.inputs import synthetic_captions
from embedlab.perf.load_rows import knee_note, level_rows
from embedlab.perf.load_test import LoadPlan, Mode, measure_levels
from embedlab.perf.measure import parity_rows
from embedlab.perf.server_process import process_cpu_seconds, server_pid
from embedlab.perf.stability import THRESHOLDS
from embedlab.perf.sweep import SweepResult
from embedlab.runtimes import RuntimeOptions, load_encoder
from embedlab.runtimes.endpoint import parse_endpoint
from embedlab.runtimes.http_client import ClientSettings, auth_headers
from embedlab.runtimes.http_runtime import HttpEncoder
from embedlab.runtimes.http_wire import EMBED_PATH, request_body

Notify = Callable[[str], None]
PARITY_TEXTS = 32
BODIES = 64


def is_load_test(config: SpeedConfig) -> bool:
    """Whether ``config`` measures endpoints (then every runtime must be one).

    Raises:
        ConfigError: endpoints mixed with local runtimes, load levels without an endpoint,
            both ``--concurrency`` and ``--rate``.
    """
    endpoints = [r for r in config.runtimes if parse_endpoint(r) is not None]
    levels = config.concurrency is not None or config.rates is not None
    if not endpoints:
        if levels:
            raise ConfigError(
                "--concurrency/--rate drive a load test of an endpoint: give --runtime "
                "http://HOST:PORT --api openai|tei"
            )
        return False
    if len(endpoints) != len(config.runtimes):
        raise ConfigError(
            "--runtime: measure endpoints and local runtimes in separate speed runs (a load "
            "test and a forward-pass sweep measure different things)"
        )
    if config.concurrency is not None and config.rates is not None:
        raise ConfigError("give --concurrency (closed loop) or --rate (open loop), not both")
    if config.modalities != ["text"] and "text" not in config.modalities:
        raise ConfigError("endpoints carry text only: use --modality text")
    return True


def load_sweep(config: SpeedConfig, notify: Notify | None = None) -> SweepResult:
    """Parity and load rows of every model × endpoint × batch size; skips become errors."""
    say = notify or (lambda message: None)
    result = SweepResult()
    options = RuntimeOptions(cache_dir=config.cache_dir, api_key_env=config.api_key_env)
    for model in config.models:
        for runtime in config.runtimes:
            spec = parse_model(model, runtime=runtime, trust_remote_code=config.trust_remote_code)
            try:
                say(f"opening {runtime} for {spec.name}")
                encoder = load_encoder(spec, options)
                _parity(config, spec, encoder, result, say)
                for size in config.batch_sizes:
                    say(f"load test: {spec.name} on {runtime}, {size} texts per request")
                    _load(config, encoder, size, result)
            except EmbedlabError as exc:
                result.errors.append(f"{spec.name} [{runtime}]: skipped: {exc}")
                result.failures.append(exc)
    return result


def _inner(encoder: Encoder) -> HttpEncoder:
    inner = getattr(encoder, "inner", encoder)
    assert isinstance(inner, HttpEncoder)
    return inner


def _parity(
    config: SpeedConfig, spec: ModelSpec, encoder: Encoder, result: SweepResult, say: Notify
) -> None:
    texts = synthetic_captions(PARITY_TEXTS, config.seed)
    output = encoder.encode_texts(texts, role="query")  # also checks the endpoint answers well
    local = parse_model(spec.name, runtime="torch", trust_remote_code=config.trust_remote_code)
    try:
        reference = load_encoder(local, RuntimeOptions(cache_dir=config.cache_dir))
        expected = reference.encode_texts(texts, role="query")
    except EmbedlabError as exc:
        result.errors.append(f"{spec.name} [{spec.runtime}]: parity not measured: {exc}")
        return
    rows = parity_rows(encoder, "text", expected, output, None)
    result.rows.extend(row.model_copy(update={"device": "remote"}) for row in rows)
    say(f"parity with local torch fp32: mean cosine {rows[0].value:.6f}")


def _load(config: SpeedConfig, encoder: Encoder, size: int, result: SweepResult) -> None:
    http = _inner(encoder)
    endpoint = http.endpoint
    captions = synthetic_captions(size * BODIES, config.seed + 1)
    dimensions = http.dim if endpoint.api == "openai" else None
    bodies = [
        json.dumps(request_body(endpoint, captions[i : i + size], http.model_name, dimensions,
                                http.client.settings.encoding)).encode()
        for i in range(0, len(captions), size)
    ]  # fmt: skip
    mode: Mode = "closed" if config.rates is None else "open"
    levels = tuple(float(c) for c in config.concurrency or config.rates or [1, 4, 16])
    plan = LoadPlan(
        mode=mode, levels=levels, path=EMBED_PATH[endpoint.api], batch_size=size,
        warmup_seconds=config.warmup_seconds, min_seconds=config.min_seconds,
        min_requests=config.min_iterations, seed=config.seed,
    )  # fmt: skip
    pid = server_pid(endpoint.url, http.info)
    if pid == os.getpid():  # a server in this very process: its CPU is the client's too
        pid = None
    clock = (lambda: process_cpu_seconds(pid)) if pid is not None else (lambda: None)
    headers = auth_headers(ClientSettings(api_key_env=config.api_key_env))
    levels_measured = measure_levels(endpoint.url, headers, plan, bodies, clock)
    result.rows.extend(level_rows(http.spec, plan, levels_measured, pid is not None))
    spec = http.spec
    result.raw.extend(
        {"model": spec.name, "runtime": spec.runtime, "precision": spec.precision,
         "device": "remote", "batch_size": size, "modality": "text", "threads": None,
         "load_mode": mode, "load_level": level.level, "seconds": level.latencies,
         "errors": dict(level.errors)}
        for level in levels_measured
    )  # fmt: skip


def load_notes(config: SpeedConfig, result: SweepResult) -> list[str]:
    """What the load test measured, where the server's CPU went, and the knee of each sweep."""
    notes = [
        f"speed: load test inputs: {BODIES} request bodies of distinct synthetic captions "
        f"(seed {config.seed + 1}), sent in rotation; parity on {PARITY_TEXTS} captions",
        f"speed: each level: warm-up {config.warmup_seconds} s at that level (not recorded), "
        f"then >= {config.min_seconds} s and >= {config.min_iterations} requests; "
        "unstable = other processes (the server excluded when its pid is known) used > "
        "{other_cores} cores, or CV of completions per window (>= 1 s, ~50 completions) > {cv}, "
        "or "
        "p99/p50 > {p99_p50}, or client-bound (client CPU > 0.8 cores)".format(**THRESHOLDS),
        "speed: measured now; speed is re-measured on every run",
        "speed: load test: latency = one request, from sending it to the whole response read, "
        "as a client on this machine sees it (HTTP, JSON/base64 both ways, server queueing "
        "and inference); QPS and items/s count successful requests over the wall time of "
        "each level's window; errors are failed requests of any kind",
    ]
    unseen = sorted({r.runtime for r in result.rows
                     if r.load is not None and not r.load.get("server_cpu_measured")})  # fmt: skip
    if unseen:
        notes.append(
            "speed: load test: the server process of " + ", ".join(unseen) + " is not visible "
            "here (not on loopback, in a container, or no pid): its CPU is not measured and, "
            "if it runs on this machine, it counts in 'another process used … cores'"
        )
    knee = knee_note(result.rows)
    return notes + ([knee] if knee else [])
