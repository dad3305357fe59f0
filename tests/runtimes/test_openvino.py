"""Runtime ``openvino``: parity with torch fp32, bf16, int8 weights, caching, refusals."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from embedlab.errors import ConfigError, MissingDependencyError
from embedlab.models.base import ModelSpec
from embedlab.models.registry import parse_model
from embedlab.runtimes import RuntimeOptions, load_encoder, onnx_export, parity, runtime_info
from tests.runtimes.conftest import TINY_MODELS, Pair, embed, tiny_spec

pytest.importorskip("torch")
pytest.importorskip("onnxscript")
openvino = pytest.importorskip("openvino")

MODELS = list(TINY_MODELS)
#: Floor of the minimum cosine vs torch fp32 per precision (tiny random models).
FLOORS = {"fp32": 0.9999, "bf16": 0.99, "int8": 0.9}


def _cpu_has(capability: str) -> bool:
    return capability in openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def _spec(folder: Path, **settings: object) -> ModelSpec:
    return parse_model(f"hf:{folder}", runtime="openvino", **settings)


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8"])
@pytest.mark.parametrize("fixture", MODELS)
def test_matches_torch(
    request: pytest.FixtureRequest,
    fixture: str,
    precision: str,
    exports_cache: Path,
    torch_reference: Callable[[str], Pair],
) -> None:
    if precision == "bf16" and not _cpu_has("BF16"):
        pytest.skip("this CPU has no bf16 support in OpenVINO")
    if precision == "int8":
        pytest.importorskip("nncf")
    spec = tiny_spec(request, fixture, runtime="openvino", precision=precision)
    encoder = load_encoder(spec, RuntimeOptions(cache_dir=exports_cache))
    images, texts = embed(encoder)
    reference_images, reference_texts = torch_reference(fixture)
    image_parity, text_parity = parity(reference_images, images), parity(reference_texts, texts)
    print(f"openvino {precision} {fixture}: images {image_parity}, texts {text_parity}")
    assert min(image_parity[1], text_parity[1]) >= FLOORS[precision]
    hint = runtime_info(encoder).settings["INFERENCE_PRECISION_HINT"]
    assert hint == ("bf16" if precision == "bf16" else "f32")


def test_second_load_reuses_onnx_and_ir(
    tiny_clip_dir: Path, exports_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = RuntimeOptions(cache_dir=exports_cache, threads=1)
    first = load_encoder(_spec(tiny_clip_dir), options)  # exports unless an earlier test did
    folder = Path(runtime_info(first).settings["export"])
    stamp = (folder / "image.xml").stat().st_mtime_ns

    def no_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_export, "export_onnx_towers", no_export)
    monkeypatch.setattr(openvino, "convert_model", no_export)
    second = load_encoder(_spec(tiny_clip_dir), options)
    assert runtime_info(second).settings["export"] == str(folder)
    assert (folder / "image.xml").stat().st_mtime_ns == stamp
    assert runtime_info(second).threads == 1


def test_ir_is_converted_from_the_onnxruntime_export(
    tiny_clip_dir: Path, exports_cache: Path
) -> None:
    pytest.importorskip("onnxruntime")
    options = RuntimeOptions(cache_dir=exports_cache)
    ov_folder = Path(runtime_info(load_encoder(_spec(tiny_clip_dir), options)).settings["export"])
    ort_spec = parse_model(f"hf:{tiny_clip_dir}", runtime="onnxruntime")
    ort_folder = Path(runtime_info(load_encoder(ort_spec, options)).settings["export"])
    meta = json.loads((ov_folder / "meta.json").read_text())
    assert meta["source_export"] == ort_folder.name
    assert meta["format"] == "openvino-ir"


def test_cuda_is_refused(tiny_clip_dir: Path) -> None:
    with pytest.raises(ConfigError, match="--runtime openvino runs on --device cpu"):
        load_encoder(_spec(tiny_clip_dir, device="cuda"))


def test_missing_bf16_capability_is_refused(
    tiny_clip_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = openvino.Core.get_property

    def without_bf16(self: object, *args: object) -> object:
        value = real(self, *args)  # type: ignore[arg-type]
        return [c for c in value if c != "BF16"] if "OPTIMIZATION_CAPABILITIES" in args else value

    monkeypatch.setattr(openvino.Core, "get_property", without_bf16)
    with pytest.raises(ConfigError, match="--precision bf16 with --runtime openvino needs a CPU"):
        load_encoder(_spec(tiny_clip_dir, precision="bf16"))


@pytest.mark.parametrize(("package", "precision"), [("openvino", "fp32"), ("nncf", "int8")])
def test_missing_package_names_the_extra(
    tiny_clip_dir: Path, monkeypatch: pytest.MonkeyPatch, package: str, precision: str
) -> None:
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(MissingDependencyError, match=rf"'{package}'.*embedlab\[openvino\]"):
        load_encoder(_spec(tiny_clip_dir, precision=precision))
