"""Retrieval tasks with a late-interaction model: MaxSim ranks of all four protocols, run through
the real task object on StubEmbedder.by_tokens, equal a float64 brute-force loop exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.embedding.stub import StubEmbedder
from embedlab.tasks.base import TASKS, TaskContext
from embedlab.tasks.retrieval import METRIC_NAMES
from tests.fixtures.datasets import write_png
from tests.scoring._brute import brute_ranks_from_scores


def _tokens(rng: np.random.Generator, hi: int) -> NDArray[np.float64]:
    """1..hi tokens of entries in {-1, -1/2, 0, 1/2, 1} (exact MaxSim: ties happen)."""
    return rng.integers(-2, 3, size=(int(rng.integers(1, hi + 1)), 3)) / 2


def _write_set(root: Path, per_image: list[int]) -> None:
    lines = []
    for i, n in enumerate(per_image):
        write_png(root / f"img{i}.png", color=(20 * i, 0, 0))
        lines.append(
            json.dumps({"image": f"img{i}.png", "captions": [f"{i} {k}" for k in range(n)]})
        )
    (root / "captions.jsonl").write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("per_image", [4, 5, 6])
def test_four_protocols_equal_brute_force_maxsim(tmp_path: Path, per_image: int) -> None:
    rng = np.random.default_rng(per_image)
    n_img = 9
    counts = [per_image] * n_img
    counts[3] = 4 + (per_image - 3) % 3  # and one image with a different count
    _write_set(tmp_path / "set", counts)
    images = [_tokens(rng, 6) for _ in range(n_img)]
    images[7] = images[1]  # a duplicate image: exact ties for every caption
    captions = {f"img{i}.png#{k}": _tokens(rng, 4) for i, n in enumerate(counts) for k in range(n)}
    captions["img2.png#1"] = captions["img0.png#0"]  # one caption's tokens on another image
    tokens = {f"img{i}.png": t for i, t in enumerate(images)} | captions
    stub = StubEmbedder.by_tokens(tokens, model="stub:colpali")
    definition = TASKS.get("captions")
    task = definition.build("captions", definition.params(data_dir=tmp_path / "set"))
    result = task.run(TaskContext(stub, tmp_path / "cache", chunk_mb=1))

    cap_ids = list(captions)
    cap_image = np.array([int(c.split(".")[0][3:]) for c in cap_ids])
    scores = np.array([[sum(max(float(a @ b) for b in images[i]) for a in captions[c])
                        for i in range(n_img)] for c in cap_ids])  # fmt: skip
    want = brute_ranks_from_scores(scores, cap_image)
    by_protocol = {o.protocol: o for o in result.outcomes}
    assert list(by_protocol) == ["t2i", "t2i-first", "i2t", "i2t-symmetric"]
    for protocol, outcome in by_protocol.items():
        np.testing.assert_array_equal(outcome.values["rank"], want[protocol], err_msg=protocol)
    assert (want["t2i"] > 1).any() and (want["i2t-symmetric"] > 1).any()  # ties were exercised
    assert by_protocol["t2i"].query_ids == cap_ids
    recall1 = {m.protocol: m.value for m in result.metrics if m.metric == "recall@1"}
    assert recall1 == pytest.approx({p: float(np.mean(want[p] <= 1)) for p in want})
    assert len(result.metrics) == 4 * len(METRIC_NAMES)
    assert [(r.modality, r.role) for r in stub.requests] == [
        ("image", "document"),
        ("text", "query"),
    ]
