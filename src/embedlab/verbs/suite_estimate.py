"""How fast a model encodes on this machine, before it is downloaded: measured or rough.

Measured: the throughput of the model's ``arch:`` twin recorded here by ``embedlab speed``
(:mod:`embedlab.verbs.speed_records`; same runtime, precision and tower, nearest batch size).
Architecture-exact random weights cost what the real ones cost.

Rough, otherwise: ``items/s = R / F`` with ``R`` this machine's float32 GEMM rate (FLOP/s:
the fastest of the products a 0.3 s numpy probe times) and ``F = 2 · P · T`` FLOPs per item,
where ``P`` is the tower's transformer parameters (``L · (4h² + 2h·i)`` from the ``arch:``
config: hidden size ``h``, intermediate size ``i``, ``L`` layers; else the preset's whole
parameter count) and ``T`` its tokens per item: ``(image_size / patch)² + 1`` for images, 64
for SigLIP texts (padded to ``max_length``), :data:`TEXT_TOKENS` for other texts. Attention's
``T²`` term, preprocessing, precision and framework efficiency below the probe's peak are
ignored: a rough (optimistic) figure, labelled as such.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from embedlab.models.sources.arch import shipped_configs
from embedlab.verbs.speed_records import SpeedRecord, best_record
from embedlab.verbs.suite_speed_plan import arch_twin, preset_of

#: Tokens of a typical caption or query (COCO captions: about 11 words).
TEXT_TOKENS = 20
PROBE_SIZE = 512


@dataclass(frozen=True)
class Rate:
    """Items per second of one tower (None: unknown) and how it was obtained."""

    items_per_s: float | None
    how: str
    measured: bool = False


def gemm_rate(budget_s: float = 0.3) -> float:
    """This machine's float32 matrix-multiply rate in FLOP/s: ``2n³`` over the fastest of the
    ``n × n`` products timed within ``budget_s`` seconds (numpy; the fastest call is the least
    disturbed by other processes)."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((PROBE_SIZE, PROBE_SIZE), dtype=np.float32)
    b = rng.standard_normal((PROBE_SIZE, PROBE_SIZE), dtype=np.float32)
    for _ in range(2):  # warm-up: the BLAS threads start on the first calls
        a @ b
    fastest, start = float("inf"), time.perf_counter()
    while time.perf_counter() - start < budget_s or fastest == float("inf"):
        before = time.perf_counter()
        a @ b
        fastest = min(fastest, time.perf_counter() - before)
    return 2.0 * PROBE_SIZE**3 / fastest


def item_flops(model: str, modality: str) -> float | None:
    """``2 · P · T`` FLOPs for one item of ``modality`` (see the module docstring)."""
    twin = arch_twin(model)
    if twin is not None:
        config = shipped_configs()[twin.removeprefix("arch:")]
        if config.family in ("clip", "siglip"):
            tower = config.model["vision_config" if modality == "image" else "text_config"]
            return 2.0 * _tower_params(tower) * _tokens(config.family, tower, modality)
    preset = preset_of(model)
    if preset is None or preset.facts is None:
        return None
    facts = preset.facts
    if modality == "image":
        side = facts.resolution or 224
        tokens = (side // 14) ** 2 + 1
    else:
        tokens = TEXT_TOKENS
    return 2.0 * facts.params * tokens


def _tower_params(tower: dict[str, Any]) -> float:
    h, i = int(tower["hidden_size"]), int(tower["intermediate_size"])
    return float(tower["num_hidden_layers"]) * (4 * h * h + 2 * h * i)


def _tokens(family: str, tower: dict[str, Any], modality: str) -> int:
    if modality == "image":
        return (int(tower["image_size"]) // int(tower["patch_size"])) ** 2 + 1
    return 64 if family == "siglip" else TEXT_TOKENS


def tower_rate(
    model: str,
    runtime: str,
    precision: str,
    batch: int,
    modality: str,
    records: list[SpeedRecord],
    probe: Callable[[], float],
) -> Rate:
    """Measured rate of ``model``'s ``arch:`` twin here, else the rough one, else unknown."""
    twin = arch_twin(model) or (model if model.startswith("arch:") else None)
    if twin is not None:
        record = best_record(records, twin, runtime, precision, batch, modality)
        if record is not None:
            return Rate(
                record.throughput,
                f"measured ({twin}, {runtime} {precision}, batch {record.batch_size}, "
                f"{record.measured_at[:10]})",
                measured=True,
            )
    flops = item_flops(model, modality)
    if flops is None:
        return Rate(None, "unknown (no arch: config or parameter count)")
    rate = probe()
    label = f"rough (2·params·tokens at this machine's fp32 GEMM rate, {rate / 1e9:.0f} GFLOP/s)"
    return Rate(rate / flops, label)


def how_to_measure(model: str, cases: list[tuple[str, str, int]]) -> str | None:
    """The command recording measured rates for ``model`` at ``(runtime, precision, batch)``
    cases (None without an ``arch:`` twin)."""
    twin = arch_twin(model)
    if twin is None:
        return None
    flags = [
        *(f"--runtime {r}" for r in dict.fromkeys(c[0] for c in cases)),
        *(f"--precision {p}" for p in dict.fromkeys(c[1] for c in cases)),
        *(f"--batch-size {b}" for b in dict.fromkeys(c[2] for c in cases)),
    ]
    return f"embedlab speed --model {twin} {' '.join(flags)} --quick --out runs/arch-speed"


def duration(seconds: float | None) -> str:
    """``"42 s"``, ``"12 min"``, ``"3.4 h"``; ``"?"`` when unknown."""
    if seconds is None:
        return "?"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
