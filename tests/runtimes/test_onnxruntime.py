"""Runtime ``onnxruntime``: parity with torch fp32, int8, export caching, clear refusals."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import ConfigError, MissingDependencyError
from embedlab.models.base import ModelSpec
from embedlab.models.registry import parse_model
from embedlab.runtimes import RuntimeOptions, load_encoder, onnx_export, parity, runtime_info
from embedlab.runtimes.towers import TowerEncoder
from tests.runtimes.conftest import TINY_MODELS, Pair, embed, tiny_spec

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

MODELS = list(TINY_MODELS)


@pytest.mark.parametrize("fixture", MODELS)
def test_fp32_matches_torch(
    request: pytest.FixtureRequest,
    fixture: str,
    exports_cache: Path,
    torch_reference: Callable[[str], Pair],
) -> None:
    spec = tiny_spec(request, fixture, runtime="onnxruntime")
    encoder = load_encoder(spec, RuntimeOptions(cache_dir=exports_cache))
    images, texts = embed(encoder)
    reference_images, reference_texts = torch_reference(fixture)
    assert images.shape == reference_images.shape and texts.shape == reference_texts.shape
    assert parity(reference_images, images)[1] >= 0.9999
    assert parity(reference_texts, texts)[1] >= 0.9999


@pytest.mark.parametrize("fixture", MODELS)
def test_int8_runs_close_to_torch(
    request: pytest.FixtureRequest,
    fixture: str,
    exports_cache: Path,
    torch_reference: Callable[[str], Pair],
) -> None:
    spec = tiny_spec(request, fixture, runtime="onnxruntime", precision="int8")
    encoder = load_encoder(spec, RuntimeOptions(cache_dir=exports_cache))
    images, texts = embed(encoder)
    reference_images, reference_texts = torch_reference(fixture)
    image_parity, text_parity = parity(reference_images, images), parity(reference_texts, texts)
    print(f"onnxruntime int8 {fixture}: images {image_parity}, texts {text_parity}")
    assert image_parity[1] >= 0.9 and text_parity[1] >= 0.9
    assert "QInt8" in runtime_info(encoder).settings["quantization"]


def test_second_load_reuses_the_export(
    tiny_clip_dir: Path, exports_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    real_export = onnx_export.export_onnx_towers

    def counting(*args: Any) -> None:
        calls.append(args)
        real_export(*args)

    monkeypatch.setattr(onnx_export, "export_onnx_towers", counting)
    options = RuntimeOptions(cache_dir=exports_cache, threads=1)
    first = load_encoder(tiny_spec_for(tiny_clip_dir), options)  # exports unless cached
    exported = len(calls)
    folder = Path(runtime_info(first).settings["export"])
    stamp = (folder / "image.onnx").stat().st_mtime_ns
    second = load_encoder(tiny_spec_for(tiny_clip_dir), options)
    assert exported <= 1 and len(calls) == exported
    assert runtime_info(second).settings["export"] == str(folder)
    assert (folder / "image.onnx").stat().st_mtime_ns == stamp
    assert folder.parent == exports_cache / "exports"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".tmp")]
    assert runtime_info(second).threads == 1


def test_export_goes_under_the_provider_cache_dir(tiny_clip_dir: Path, tmp_path: Path) -> None:
    """The engine's path: EmbeddingProvider loads through load_encoder with its cache_dir."""
    provider = EmbeddingProvider(tiny_spec_for(tiny_clip_dir), tmp_path)
    texts = provider.texts("demo", ["a", "b"], ["a photo of a cat", "dog"])
    assert texts.shape == (2, 16)
    assert runtime_info(provider.encoder).runtime == "onnxruntime"
    assert len([p for p in (tmp_path / "exports").iterdir() if not p.name.startswith(".")]) == 1


def tiny_spec_for(folder: Path, **settings: object) -> ModelSpec:
    """The onnxruntime spec of a tiny hf model folder."""
    return parse_model(f"hf:{folder}", runtime="onnxruntime", **settings)


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_reduced_float_precisions_are_refused(tiny_clip_dir: Path, precision: str) -> None:
    with pytest.raises(ConfigError, match=rf"--precision {precision}.*--runtime onnxruntime"):
        load_encoder(tiny_spec_for(tiny_clip_dir, precision=precision))


def test_cuda_without_the_cuda_provider_is_a_clear_error(tiny_clip_dir: Path) -> None:
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this onnxruntime has the CUDA provider")
    with pytest.raises(ConfigError, match=r"CUDAExecutionProvider.*onnxruntime-gpu"):
        load_encoder(tiny_spec_for(tiny_clip_dir, device="cuda"))


@pytest.mark.parametrize("package", ["onnxruntime", "onnxscript", "onnx"])
def test_missing_package_names_the_extra(
    tiny_clip_dir: Path, monkeypatch: pytest.MonkeyPatch, package: str
) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # makes `import package` fail
    with pytest.raises(MissingDependencyError, match=rf"'{package}'.*embedlab\[onnx\]"):
        load_encoder(tiny_spec_for(tiny_clip_dir))


def test_model_without_plain_pixel_inputs_is_refused(
    tiny_siglip2_dir: Path, exports_cache: Path
) -> None:
    with pytest.raises(ConfigError, match="pixel_values"):
        load_encoder(tiny_spec_for(tiny_siglip2_dir), RuntimeOptions(cache_dir=exports_cache))


def test_fake_source_is_not_exportable(exports_cache: Path) -> None:
    spec = parse_model("fake:8", runtime="onnxruntime")
    with pytest.raises(ConfigError, match="--runtime torch"):
        load_encoder(spec, RuntimeOptions(cache_dir=exports_cache))


def test_encoder_is_a_tower_encoder_with_empty_batches(
    tiny_clip_dir: Path, exports_cache: Path
) -> None:
    encoder = load_encoder(tiny_spec_for(tiny_clip_dir), RuntimeOptions(cache_dir=exports_cache))
    assert isinstance(encoder, TowerEncoder)
    assert encoder.encode_images([]).shape == (0, 16)
    assert encoder.encode_texts([]).shape == (0, 16)
