"""``--dry-run``: the plan, sizes, presence and a labelled time estimate; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.config.suite import load_suite
from embedlab.models.presets import PRESETS
from embedlab.verbs.speed_records import SpeedRecord, this_machine
from embedlab.verbs.suite_dry_run import dry_run_text
from embedlab.verbs.suite_estimate import duration, item_flops
from embedlab.verbs.suite_plan import PlanOptions, build_plan

RATE = 1e12  # the stubbed GEMM probe, FLOP/s


def _plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    options = PlanOptions(out=tmp_path / "out", cache_dir=tmp_path / "cache")
    return build_plan(load_suite("seed-report"), options)


def test_clip_l_336_flops_by_hand() -> None:
    vision = 24 * (4 * 1024**2 + 2 * 1024 * 4096)  # 301,989,888 transformer parameters
    text = 12 * (4 * 768**2 + 2 * 768 * 3072)  # 84,934,656
    assert item_flops("clip-vit-l-14-336", "image") == 2 * vision * ((336 // 14) ** 2 + 1)
    assert item_flops("clip-vit-l-14-336", "text") == 2 * text * 20


def test_seed_report_dry_run_lists_models_sizes_and_rough_estimates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = dry_run_text(_plan(tmp_path, monkeypatch), probe=lambda: RATE, records=[])  # type: ignore[arg-type]
    for name in ("dfn5b-clip-vit-h-14-378", "colpali-v1.3", "jina-clip-v1", "clip-vit-l-14-336"):
        facts = PRESETS[name].facts
        size = "size unknown" if facts is None else f"{facts.weights_gb:.1f} GB"
        line = next(x for x in text.splitlines() if x.strip().startswith(name) and "GB" in x)
        assert size in line and "not here" in line
    assert "coco-karpathy [t2i-first, t2i, i2t]" in text and "winoground" in text
    assert "batch 4" in text and "arch:vidore/colpali-v1.3-hf" in text
    seconds = 5000 * 348_496_330_752 / RATE + 25010 * 3_397_386_240 / RATE  # by hand: 1827 s
    line = next(x for x in text.splitlines() if x.startswith("  clip-vit-l-14-336 on coco-kar"))
    rough = "rough (2·params·tokens at this machine's fp32 GEMM rate, 1000 GFLOP/s)"
    assert f": {duration(seconds)}  [image {rough}" in line
    assert duration(seconds) == "30 min"
    assert "embedlab speed --model arch:openai/clip-vit-large-patch14-336 --runtime torch " \
        "--precision bf16 --batch-size 32" in text  # fmt: skip
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_a_measured_arch_speed_replaces_the_rough_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def record(modality: str, throughput: float, batch: int = 32) -> SpeedRecord:
        return SpeedRecord(this_machine(), "arch:openai/clip-vit-large-patch14-336", "torch",
                           "bf16", "cpu", batch, modality, 2, throughput,
                           "2026-01-02T00:00:00Z")  # fmt: skip

    records = [record("image", 10.0), record("text", 500.0), record("image", 1.0, batch=1)]
    text = dry_run_text(_plan(tmp_path, monkeypatch), probe=lambda: RATE, records=records)  # type: ignore[arg-type]
    line = next(x for x in text.splitlines() if x.startswith("  clip-vit-l-14-336 on coco-kar"))
    assert f": {duration(5000 / 10.0 + 25010 / 500.0)}  " in line  # 550 s
    assert "image measured (arch:openai/clip-vit-large-patch14-336, torch bf16, batch 32" in line
    other = next(x for x in text.splitlines() if x.startswith("  dfn5b-clip-vit-h-14-378 on coco"))
    assert "rough" in other


def test_the_gemm_probe_is_quick_and_plausible() -> None:
    import time

    from embedlab.verbs.suite_estimate import gemm_rate

    start = time.perf_counter()
    rate = gemm_rate(budget_s=0.05)
    assert 1e8 < rate < 1e15  # FLOP/s of any CPU
    assert time.perf_counter() - start < 5
