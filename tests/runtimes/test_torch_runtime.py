"""Runtime ``torch``: eager is the source's own encoder; int8 refused; fp16 on CPU warns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from embedlab.errors import ConfigError, UnknownNameError
from embedlab.models.registry import parse_model
from embedlab.models.sources.fake import FakeEncoder
from embedlab.runtimes import RUNTIMES, RuntimeOptions, load_encoder, parity, runtime_info
from tests.runtimes.conftest import Pair, embed


def test_registry_lists_the_runtimes() -> None:
    assert {"torch", "onnxruntime", "openvino"} <= set(RUNTIMES.names())


def test_unknown_runtime_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError, match="onnxruntime, openvino, torch"):
        load_encoder(parse_model("fake:8", runtime="tensorrt"))


def test_eager_is_the_source_encoder() -> None:
    encoder = load_encoder(parse_model("fake:8"))
    assert isinstance(encoder, FakeEncoder)
    info = runtime_info(encoder)
    assert (info.runtime, info.precision, info.settings["mode"]) == ("torch", "fp32", "eager")


def test_int8_is_refused_with_a_pointer_to_the_other_runtimes() -> None:
    pattern = r"--precision int8.*--runtime torch.*onnxruntime.*openvino"
    with pytest.raises(ConfigError, match=pattern):
        load_encoder(parse_model("fake:8", precision="int8"))


def test_fp16_on_cpu_warns_but_runs() -> None:
    with pytest.warns(RuntimeWarning, match="fp16 on CPU"):
        encoder = load_encoder(parse_model("fake:8", precision="fp16"))
    assert encoder.encode_texts(["a"]).shape == (1, 8)


def test_compile_needs_towers() -> None:
    with pytest.raises(ConfigError, match=r"compile"):
        load_encoder(parse_model("fake:8"), RuntimeOptions(compile=True))


@pytest.mark.slow
def test_compiled_towers_match_eager(
    tiny_clip_dir: Path, torch_reference: Callable[[str], Pair]
) -> None:
    pytest.importorskip("torch")
    spec = parse_model(f"hf:{tiny_clip_dir}")
    encoder = load_encoder(spec, RuntimeOptions(compile=True))
    images, texts = embed(encoder)
    reference_images, reference_texts = torch_reference("tiny_clip_dir")
    assert parity(reference_images, images)[1] >= 0.9999
    assert parity(reference_texts, texts)[1] >= 0.9999
    assert runtime_info(encoder).settings["mode"] == "torch.compile"
