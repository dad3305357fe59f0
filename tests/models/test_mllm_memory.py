"""The out-of-memory estimate: parameters from safetensors headers × dtype bytes, refusal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import ModelError
from embedlab.models.encoders.mllm_memory import (
    estimate_bytes,
    refuse_if_too_big,
    safetensors_parameters,
)


def test_parameters_are_counted_from_the_headers(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    save_file(
        {"a": np.zeros((3, 4), np.float32), "b": np.zeros(5, np.float16)},
        tmp_path / "x.safetensors",
    )
    save_file({"c": np.zeros((2, 2, 2), np.float32)}, tmp_path / "y.safetensors")
    assert safetensors_parameters(tmp_path) == 12 + 5 + 8
    assert safetensors_parameters(tmp_path / "none") is None


def test_estimate_and_refusal_name_both_figures() -> None:
    assert estimate_bytes(1_000_000_000, "bf16") == 2_400_000_000  # 2 bytes × 1.2
    with pytest.raises(ModelError, match=r"needs about 9\.5 GiB \(2\.13 B parameters × 4 bytes"):
        refuse_if_too_big("arch:x", 2_127_532_032, "fp32", "cpu", available=4 * 1024**3)
    refuse_if_too_big("arch:x", 2_127_532_032, "bf16", "cpu", available=24 * 1024**3)
    refuse_if_too_big("arch:x", 2_127_532_032, "fp32", "cuda", available=1)  # CPU RAM only
    refuse_if_too_big("arch:x", 2_127_532_032, "fp32", "cpu", available=None)  # unknown: no check


def test_hub_models_are_counted_from_the_cached_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub
    from safetensors.numpy import save_file

    from embedlab.models.encoders.mllm_memory import hub_parameters

    save_file({"w": np.zeros((10, 10), np.float32)}, tmp_path / "model.safetensors")
    config = tmp_path / "config.json"
    config.write_text("{}")
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda *a: str(config))
    assert hub_parameters("org/model", "bfloat16") == 100
