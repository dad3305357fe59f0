"""The shipped StubEmbedder: a handler-driven Embedder that tasks run against in tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.embedding.contract import Embedder, provenance_notes
from embedlab.embedding.stub import EmbedRequest, StubEmbedder
from embedlab.errors import ModelError
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
