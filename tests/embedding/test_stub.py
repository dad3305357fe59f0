"""The shipped StubEmbedder: a handler-driven Embedder that tasks run against in tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.embedding.contract import Embedder, provenance_notes
from embedlab.embedding.stub import EmbedRequest, StubEmbedder
from embedlab.errors import ConfigError, ModelError
from embedlab.tasks.base import TASKS, TaskContext
from tests.fixtures.datasets import write_png


def test_requests_reach_the_handler_and_are_recorded() -> None:
    seen: list[EmbedRequest] = []

    def handler(request: EmbedRequest) -> np.ndarray:
        seen.append(request)
        return np.ones((len(request.ids), 3))

    stub = StubEmbedder(handler, model="stub:x", provenance={"prompts": {"query": "q: "}})
    texts = stub.texts("set", ["a", "b"], ["first", "second"], role="document")
    images = stub.images("set", ["i"], [Path("/img.png")])
    assert texts.dtype == np.float32 and texts.shape == (2, 3) and images.shape == (1, 3)
    assert seen == stub.requests
    assert seen[0] == EmbedRequest("text", "set", ("a", "b"), ("first", "second"), "document")
    assert seen[1] == EmbedRequest("image", "set", ("i",), ("/img.png",), "document")
    assert provenance_notes(stub.provenance()) == ["model stub:x: query prompt 'q: ' (?)"]


def test_bad_handler_output_is_a_model_error() -> None:
    with pytest.raises(ModelError, match=r"shape \(1, 2\) for 2 texts"):
        StubEmbedder(lambda r: np.ones((1, 2))).texts("d", ["a", "b"], ["x", "y"])
    with pytest.raises(ModelError, match="non-finite"):
        StubEmbedder(lambda r: np.full((1, 2), np.nan)).texts("d", ["a"], ["x"])
    with pytest.raises(KeyError):
        StubEmbedder.by_id({"a": [1.0]}).texts("d", ["b"], ["x"])


def test_a_real_task_runs_against_the_stub(tmp_path: Path) -> None:
    """Retrieval where every caption of image i gets image i's one-hot vector: every rank is 1."""
    root = tmp_path / "set"
    lines = []
    for i in range(5):
        write_png(root / f"img{i}.png", color=(40 * i, 0, 0))
        lines.append(json.dumps({"image": f"img{i}.png", "captions": [f"{i} a", f"{i} b"]}))
    (root / "captions.jsonl").write_text("\n".join(lines), encoding="utf-8")
    definition = TASKS.get("captions")
    task = definition.build("captions", definition.params(data_dir=root))

    def handler(request: EmbedRequest) -> np.ndarray:
        if request.modality == "text":
            owner = [int(text.split()[0]) for text in request.items]
        else:
            owner = [int(Path(path).stem.removeprefix("img")) for path in request.items]
        return np.eye(8)[owner]

    embed: Embedder = StubEmbedder(handler)
    result = task.run(TaskContext(embed, tmp_path / "cache"))
    recall1 = {m.protocol: m.value for m in result.metrics if m.metric == "recall@1"}
    assert recall1 == {"t2i": 1.0, "t2i-first": 1.0, "i2t": 1.0, "i2t-symmetric": 1.0}
    assert [r.modality for r in embed.requests] == ["image", "text"]  # type: ignore[attr-defined]


def test_token_stub_packs_per_item_arrays_and_records_requests() -> None:
    stub = StubEmbedder.by_tokens(
        {"a": [[1.0, 0.0]], "b": [[0.0, 1.0], [0.5, 0.25]], "i": np.eye(2)}, model="stub:col"
    )
    assert stub.late_interaction
    texts = stub.text_tokens("set", ["b", "a"], ["x", "y"])
    images = stub.image_tokens("set", ["i"], [Path("/img.png")])
    assert isinstance(texts, MultiVectors) and texts.counts.tolist() == [2, 1]
    np.testing.assert_array_equal(texts.item(0), [[0.0, 1.0], [0.5, 0.25]])
    assert texts.tokens.dtype == np.float32 and images.counts.tolist() == [2]
    assert stub.requests[0] == EmbedRequest("text", "set", ("b", "a"), ("x", "y"), "query")
    assert stub.requests[1].modality == "image" and stub.requests[1].role == "document"


def test_dense_and_token_methods_refuse_the_other_kind_in_one_line() -> None:
    late = StubEmbedder.by_tokens({"a": [[1.0]]}, model="stub:col")
    with pytest.raises(ConfigError, match=r"model stub:col is a multi-vector .* use text_tokens"):
        late.texts("d", ["a"], ["x"])
    with pytest.raises(ConfigError, match=r"stub:col .* use image_tokens"):
        late.images("d", ["a"], [Path("/a.png")])
    dense = StubEmbedder.by_id({"a": [1.0]}, model="stub:dense")
    assert not dense.late_interaction
    for call in (dense.text_tokens, dense.image_tokens):
        with pytest.raises(ConfigError, match="model stub:dense gives one vector per item"):
            call("d", ["a"], ["x"])  # type: ignore[arg-type]
    assert late.requests == [] and dense.requests == []
    with pytest.raises(ConfigError, match="not both"):
        StubEmbedder(lambda r: np.ones((1, 1)), token_handler=lambda r: [np.ones((1, 1))])


def test_bad_token_handler_output_is_a_model_error() -> None:
    def stub(*items: object) -> StubEmbedder:
        return StubEmbedder(token_handler=lambda r: list(items))  # type: ignore[arg-type]

    with pytest.raises(ModelError, match=r"one \(n_i >= 1, D\) array per id"):
        stub(np.ones((1, 2))).text_tokens("d", ["a", "b"], ["x", "y"])
    with pytest.raises(ModelError, match="per id"):
        stub(np.ones((0, 2))).text_tokens("d", ["a"], ["x"])
    with pytest.raises(ModelError, match="non-finite"):
        stub(np.full((1, 2), np.inf)).text_tokens("d", ["a"], ["x"])
    with pytest.raises(ModelError, match="one D"):
        stub(np.ones((1, 2)), np.ones((1, 3))).text_tokens("d", ["a", "b"], ["x", "y"])
