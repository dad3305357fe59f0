"""The sweep's modality choice for text-only models (``perf.sweep.text_only``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import BackendError
from embedlab.models.base import ModelSpec
from embedlab.models.matryoshka import MatryoshkaEncoder
from embedlab.models.sources import arch
from embedlab.perf.config import SpeedConfig
from embedlab.perf.sweep import text_only
from embedlab.runtimes.base import RuntimeInfo
from embedlab.runtimes.towers import TowerEncoder
from embedlab.verbs.speed import speed


def _tower(run_image: object) -> TowerEncoder:
    def run(arrays: object) -> np.ndarray:
        return np.ones((1, 4), dtype=np.float32)

    return TowerEncoder(
        spec=ModelSpec("fake", "4", runtime="onnxruntime"),
        preprocessor=None,  # type: ignore[arg-type]
        run_image=run if run_image else None,  # type: ignore[arg-type]
        run_text=run,
        runtime_info=RuntimeInfo("onnxruntime", "fp32", "cpu", 1),
    )


def test_text_only_reads_the_towers_and_looks_through_matryoshka() -> None:
    assert text_only(_tower(run_image=None))
    assert not text_only(_tower(run_image=True))
    wrapped = MatryoshkaEncoder(spec=ModelSpec("fake", "4?dim=2"), inner=_tower(None), dim=2)
    assert text_only(wrapped)  # type: ignore[arg-type]


QUICK = dict(warmup_iterations=1, warmup_seconds=0, min_iterations=2, min_seconds=0, repeats=1,
             threads=[1], batch_sizes=[2])  # fmt: skip


@pytest.fixture
def tiny_bge(monkeypatch: pytest.MonkeyPatch) -> str:
    pytest.importorskip("transformers")
    from tests.models.test_text_arch import BGE, _shrunk

    shrunk = dataclasses.replace(arch.arch_config(BGE), model=_shrunk(BGE))
    monkeypatch.setattr(arch, "arch_config", lambda hub_id: shrunk)
    return f"arch:{BGE}"


def test_a_text_model_asked_for_images_only_reports_why_nothing_was_timed(
    tiny_bge: str, tmp_path: Path
) -> None:
    # with text among the modalities only its text is timed (tests/models/test_text_arch.py);
    # asked for images alone, the model's refusal is reported, not silently dropped
    config = SpeedConfig(models=[tiny_bge], out=tmp_path, modalities=["image"], **QUICK)  # type: ignore[arg-type]
    with pytest.raises(BackendError, match=r"image: skipped: .* is a text-only model"):
        speed(config)
