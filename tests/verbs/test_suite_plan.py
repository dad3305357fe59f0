"""A suite's plan: quality groups, speed groups, arch: twins for absent weights, memory skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.config.suite import load_suite
from embedlab.verbs.suite_plan import PlanOptions, build_plan


def _absent(model: str) -> bool:
    return False


def test_the_default_suite_keeps_todays_settings(tmp_path: Path) -> None:
    plan = build_plan(load_suite("default"), PlanOptions(out=tmp_path, cache_dir=tmp_path))
    (quality,) = plan.quality
    (speed,) = plan.speed
    assert quality.config.out == tmp_path and speed.config.out == tmp_path  # one folder
    assert quality.config.models == ["builtin:shapes-clip"]
    assert quality.config.tasks == ["shapes", "shapes-pairs"]
    assert speed.config.models == ["builtin:shapes-clip"]
    assert speed.config.batch_sizes == [1, 32] and speed.config.runtimes == ["torch"]
    assert (speed.config.warmup_seconds, speed.config.min_seconds) == (1.0, 1.0)
    assert not plan.reuse_speed and not plan.notes and not plan.skipped


def test_seed_report_groups_and_arch_twins_when_weights_are_absent(tmp_path: Path) -> None:
    options = PlanOptions(data_dir=tmp_path, trust_remote_code=True)
    plan = build_plan(load_suite("seed-report"), options, _absent)
    assert plan.out == Path("runs/seed-report")
    labels = {g.label: g.config for g in plan.quality}
    assert set(labels) == {
        "coco-karpathy", "coco-karpathy-batch4", "coco-karpathy-remote-code",
        "winoground", "winoground-batch4", "winoground-remote-code",
    }  # fmt: skip
    coco = labels["coco-karpathy"]
    assert coco.protocols == ["t2i-first", "t2i", "i2t"] and coco.precision == "bf16"
    assert coco.task_params == {"data_dir": str(tmp_path / "coco-karpathy")}
    assert coco.out == Path("runs/seed-report/coco-karpathy")
    assert labels["winoground-batch4"].models == ["colpali-v1.3"]
    assert labels["winoground-batch4"].batch_size == 4
    assert labels["coco-karpathy-remote-code"].trust_remote_code
    timed = {m: g.config for g in plan.speed for m in g.config.models}
    assert set(timed) == {f"arch:{h}" for h in (
        "apple/DFN5B-CLIP-ViT-H-14-378", "laion/CLIP-ViT-H-14-laion2B-s32B-b79K",
        "facebook/metaclip-h14-fullcc2.5b", "vidore/colpali-v1.3-hf", "jinaai/jina-clip-v1",
        "google/siglip-so400m-patch14-384", "openai/clip-vit-large-patch14-336")}  # fmt: skip
    assert timed["arch:vidore/colpali-v1.3-hf"].batch_sizes == [4]
    assert timed["arch:openai/clip-vit-large-patch14-336"].batch_sizes == [32]
    assert all(c.precisions == ["bf16"] and c.runtimes == ["torch"] for c in timed.values())
    assert len(plan.notes) == 7 and "timed as arch:vidore/colpali-v1.3-hf" in " ".join(plan.notes)


def test_present_weights_are_timed_as_themselves_and_only_selects_a_half() -> None:
    suite = load_suite("seed-report")
    plan = build_plan(suite, PlanOptions(only="speed"), lambda model: True)
    assert plan.quality == () and not plan.notes
    assert "clip-vit-l-14-336" in [m for g in plan.speed for m in g.config.models]
    assert build_plan(suite, PlanOptions(only="quality")).speed == ()


def test_runtimes_suite_gives_each_task_its_models_and_text_models_text_only() -> None:
    plan = build_plan(load_suite("runtimes"), PlanOptions(out=Path("o")), lambda model: True)
    # two tasks × (3 runtimes × 3 precisions − torch int8 − onnxruntime bf16)
    assert len(plan.quality) == 2 * 7
    assert plan.skipped == (
        "quality torch int8: not run by --runtime torch (supported: fp32, bf16, fp16)",
        "quality onnxruntime bf16: not run by --runtime onnxruntime (supported: fp32, int8)",
    )
    beir = [g.config for g in plan.quality if g.config.tasks == ["beir-synthetic"]]
    assert {tuple(c.models) for c in beir} == {
        ("embeddinggemma-300m", "qwen3-embedding-0.6b", "bge-m3")}  # fmt: skip
    assert {(c.runtime, c.precision) for c in beir} == {
        (r, p) for r in ("torch", "onnxruntime", "openvino") for p in ("fp32", "bf16", "int8")
    } - {("torch", "int8"), ("onnxruntime", "bf16")}
    assert len({c.out for c in beir}) == 7 and all(c.out.parent == Path("o") for c in beir)
    modalities = {m: g.config.modalities for g in plan.speed for m in g.config.models}
    assert modalities["bge-m3"] == ["text"]
    assert modalities["clip-vit-b-16"] == ["image", "text"]


def test_a_task_naming_a_model_outside_the_suite_is_refused(tmp_path: Path) -> None:
    from embedlab.errors import ConfigError

    path = tmp_path / "s.toml"
    path.write_text('models = ["fake:8"]\n[[tasks]]\nname = "shapes"\nmodels = ["fake:9"]\n')
    with pytest.raises(ConfigError, match=r"tasks\[0\].models names 'fake:9'"):
        build_plan(load_suite(path), PlanOptions())
