"""Projection arithmetic of ``embedlab deploy``: what serving N items costs, per model and index.

Inputs: RUN (a quality run, or a speed-only run) gives the models, their embedding dimension
and this machine's encode throughput (its ``speed`` rows: the highest sustained ``throughput``
of the modality, images first); INDEX_RUN (an ``embedlab index`` study) gives per configuration
the measured bytes per vector, build time and p99 latency on ``n`` vectors, and the scaling
fits. Figures, each with its basis (:class:`Figure`):

- ``raw fp32``: ``N * D * 4`` bytes (computed);
- ``index``: ``bytes_per_vector * N`` (extrapolated from the bytes measured on n vectors; for
  another model's study, plus ``(estimate(N, D) - estimate(N, D_study)) / N`` of the backend's
  size model when the configuration keeps every dimension: links, centroids and headers do not
  grow with D);
  ``index vs raw``: their ratio;
- ``embed time``: ``N / throughput`` (throughput measured by ``speed``, or ``--images-per-s``);
- ``build time``: the power-law fit ``c * N^b`` of the scaling study when there is one, else
  linear ``t_n * N / n``; times the same dimension factor;
- ``query p99``: the fit's ``c * N^b`` when there is one, else the measured p99 on n vectors
  (labelled as not extrapolated). A fit with ``R^2 < MIN_FIT_R2`` or a negative exponent is
  not used: the figure is NaN, shown as "not projected", with the fit in its basis;
- ``RAM``: the backend's memory estimate for N vectors (:func:`embedlab.indexes.memory.
  memory_estimate`, a formula, not a measurement).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlab.errors import ConfigError
from embedlab.indexes.base import IndexConfig
from embedlab.indexes.memory import memory_estimate
from embedlab.results.io import RESULTS_JSON, read_results
from embedlab.results.schema import IndexRow, RunLog, SpeedRow

DEFAULT_ITEMS = 10_000_000
#: A scaling fit below this R^2 (or with a negative exponent) is not used to project: timings
#: of tiny corpora are dominated by fixed costs and noise, and a power law through them says
#: nothing about N items.
MIN_FIT_R2 = 0.9


@dataclass(frozen=True)
class Figure:
    """One projected figure: ``value`` in ``unit`` and how it was obtained (``basis``)."""

    model: str
    index: str
    figure: str
    value: float
    unit: str
    basis: str


@dataclass(frozen=True)
class Measured:
    """What the study measured for one configuration (rows of one problem)."""

    label: str
    config: IndexConfig
    n: int
    dim: int
    bytes_per_vector: float
    build_seconds: float
    p99_ms: float
    fits: dict[str, dict[str, Any]]


def read_log(path: Path, flag: str) -> RunLog:
    """``path/results.json`` (ConfigError naming ``flag`` when absent)."""
    if not (path / RESULTS_JSON).is_file():
        raise ConfigError(f"{flag} {path}: no {RESULTS_JSON} there")
    return read_results(path / RESULTS_JSON)


def encode_rate(log: RunLog, model: str, given: float | None) -> tuple[float, str]:
    """Items/s of ``model`` and its basis: ``--images-per-s``, else the best speed row."""
    if given is not None:
        if not given > 0:
            raise ConfigError(f"--images-per-s {given}: must be a positive number")
        return given, "given by --images-per-s"
    rows: list[SpeedRow] = [r for r in log.speed if r.model == model and r.metric == "throughput"]
    for modality in ("image", "text"):
        best = max((r for r in rows if r.modality == modality), key=lambda r: r.value, default=None)
        if best is not None:
            flag = " (flagged unstable)" if best.unstable else ""
            return best.value, (
                f"measured: {best.value:.1f} {modality}s/s sustained ({best.runtime} "
                f"{best.precision}, batch {best.batch_size}){flag}"
            )
    raise ConfigError(
        f"RUN has no speed rows for {model}; measure them (embedlab speed --model {model}) or "
        "give --images-per-s"
    )


def model_dim(log: RunLog, model: str, given: int | None) -> int:
    """The embedding dimension of ``model`` (run environment, ``--dim``, shipped arch config)."""
    if given is not None:
        return given
    info = (log.environment.get("models") or {}).get(model) or {}
    if isinstance(info, dict) and isinstance(info.get("embedding_dim"), int):
        return int(info["embedding_dim"])
    if model.startswith("arch:"):
        from embedlab.models.sources.arch import arch_config

        return arch_config(model.removeprefix("arch:").split("?")[0]).embedding_dim
    raise ConfigError(f"the embedding dimension of {model} is not in RUN; give --embedding-dim")


def measured_configs(log: RunLog) -> dict[str, list[Measured]]:
    """Per study model, the measured configurations of its largest problem, with fits."""
    by: dict[tuple[str, str, str], dict[str, dict[str, IndexRow]]] = {}
    fits: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for row in log.index:
        if row.source == "fit" and row.details:
            fits.setdefault((row.model, row.index), {})[row.metric] = row.details
        elif row.scale_n is None:
            by.setdefault((row.model, row.task, row.protocol), {}).setdefault(row.index, {})[
                row.metric
            ] = row
    out: dict[str, list[Measured]] = {}
    for (model, _, _), configs in by.items():
        found = [
            _measured(label, rows, fits.get((model, label), {})) for label, rows in configs.items()
        ]
        mine = [m for m in found if m is not None]
        if mine and (model not in out or mine[0].n > out[model][0].n):
            out[model] = mine
    if not out:
        raise ConfigError("INDEX_RUN holds no index rows; give the --out folder of embedlab index")
    return out


def _measured(label: str, rows: dict[str, IndexRow], fits: dict[str, Any]) -> Measured | None:
    build = rows.get("build_time")
    if build is None or not build.details or "config" not in build.details:
        return None
    c = build.details["config"]
    config = IndexConfig.of(c["backend"], c["build"], c["search"], c["dim"])
    return Measured(
        label=label,
        config=config,
        n=int(c["n_vectors"]),
        dim=build.dim,
        bytes_per_vector=rows["bytes_per_vector"].value,
        build_seconds=build.value,
        p99_ms=rows["latency_p99"].value,
        fits=fits,
    )


def project(
    model: str, dim: int, m: Measured, items: int, rate: tuple[float, str], study_model: str
) -> list[Figure]:
    """The figures of one (model, configuration) for ``items`` vectors (module docstring)."""
    scale = 1.0 if m.config.dim is not None or dim == m.dim else dim / m.dim
    scaled = "" if scale == 1.0 else f"; {study_model}'s study scaled by dimension {dim}/{m.dim}"
    unscaled = "" if not scaled else f"; {study_model}'s study at dimension {m.dim}, not rescaled"
    raw = items * dim * 4.0
    # Bytes do not all grow with the dimension (graph links, centroids, headers): the measured
    # bytes per vector change by the backend's size model's difference between the two
    # dimensions, per vector (additive), not by the factor dim / m.dim.
    bytes_per_vector = m.bytes_per_vector
    size_scaled = ""
    if scale != 1.0:
        delta = (memory_estimate(m.config, items, dim) - memory_estimate(m.config, items, m.dim))
        bytes_per_vector = m.bytes_per_vector + delta / items
        size_scaled = (
            f"; {study_model}'s study at dimension {m.dim}, moved to {dim} by the backend's "
            f"size model ({delta / items:+.1f} B/vector)"
        )
    index = bytes_per_vector * items
    per = f"{m.bytes_per_vector:.1f} B/vector measured on {m.n:,} vectors"

    def fig(name: str, value: float, unit: str, basis: str) -> Figure:
        return Figure(model, m.label, name, value, unit, basis)

    build_value, build_basis = _extrapolate(m, "build_time", m.build_seconds, items, "s")
    p99_value, p99_basis = _extrapolate(m, "latency_p99", m.p99_ms, items, "ms")
    ram = memory_estimate(m.config, items, dim)
    return [
        fig("raw fp32", raw, "B", f"computed: N x {dim} x 4 B"),
        fig("index", index, "B", f"extrapolated from {per} (linear in N){size_scaled}"),
        fig("index vs raw", index / raw, "x", "ratio of the two figures above"),
        fig("embed time", items / rate[0], "s", f"extrapolated from {rate[1]}"),
        fig("build time", build_value * scale, "s", build_basis + scaled),
        fig("query p99", p99_value, "ms", p99_basis + unscaled),
        fig(
            "RAM",
            float(ram),
            "B",
            "estimated by the backend's memory model (a formula, not measured)",
        ),
    ]


def _extrapolate(
    m: Measured, metric: str, value: float, items: int, unit: str
) -> tuple[float, str]:
    fit = m.fits.get(f"{metric}_fit_exponent")
    if fit is not None:
        sizes = ", ".join(f"{int(p[0]):,}" for p in fit["points"])
        largest = max(int(p[0]) for p in fit["points"])
        form = f"{fit['c']:.3g} * N^{fit['b']:.2f} {unit} (R^2 {fit['r2']:.3f})"
        if float(fit["r2"]) < MIN_FIT_R2 or float(fit["b"]) < 0:
            return math.nan, (
                f"not projected: the power-law fit {form} over synthetic N = {sizes} is too poor "
                f"(needs R^2 >= {MIN_FIT_R2} and a non-negative exponent); measure larger sizes "
                "with embedlab index --scale"
            )
        projected = float(fit["c"]) * math.pow(items, float(fit["b"]))
        return projected, (
            f"extrapolated from the power-law fit {form} over synthetic N = {sizes}, "
            f"{items / largest:,.0f}x beyond the largest measured N"
        )
    if metric == "build_time":
        return value * items / m.n, f"extrapolated linearly from {value:.3g} s on {m.n:,} vectors"
    return value, f"measured on {m.n:,} vectors (not extrapolated: no scaling fit)"
