"""Tasks without a MaxSim form refuse a late-interaction model in one line, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.embedding.stub import StubEmbedder
from embedlab.errors import ConfigError
from embedlab.tasks.base import TASKS, TaskContext
from embedlab.tasks.beir import BeirParams, BeirTask
from embedlab.tasks.beir_search import beir_problems
from embedlab.tasks.retrieval import RetrievalParams, RetrievalTask
from embedlab.tasks.retrieval_search import retrieval_problems
from embedlab.tasks.zeroshot import ZeroShotParams


def _late(tmp_path: Path) -> tuple[StubEmbedder, TaskContext]:
    stub = StubEmbedder.by_tokens({}, model="hf:vidore/colpali-v1.3-hf")
    return stub, TaskContext(stub, tmp_path / "cache")


def test_zeroshot_refuses_before_reading_data(tmp_path: Path) -> None:
    stub, ctx = _late(tmp_path)
    missing = tmp_path / "no-such-folder"  # would be a DataError if the task read it
    task = TASKS.get("zeroshot").build("zeroshot", ZeroShotParams(data_dir=missing))
    with pytest.raises(ConfigError) as err:
        task.run(ctx)
    message = str(err.value)
    assert "\n" not in message and stub.requests == []
    assert message.startswith(
        "task zeroshot cannot run the late-interaction (multi-vector) model "
        "hf:vidore/colpali-v1.3-hf: a class embedding is the mean of its prompt embeddings"
    )


def test_index_study_search_problems_refuse(tmp_path: Path) -> None:
    stub, ctx = _late(tmp_path)
    missing = tmp_path / "no-such-folder"
    with pytest.raises(ConfigError, match=r"task captions cannot run .* one vector per item"):
        retrieval_problems(RetrievalTask("captions", RetrievalParams(data_dir=missing)), ctx)
    with pytest.raises(ConfigError, match=r"task beir cannot run .*colpali"):
        beir_problems(BeirTask("beir", BeirParams(data_dir=missing)), ctx)
    assert stub.requests == []
