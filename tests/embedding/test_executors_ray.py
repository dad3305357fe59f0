"""The ``ray`` executor against the ``local`` one, on a local Ray (session fixture ``ray_local``).

Shards are made small (8 items) and batches smaller (3 or 5), so every entry has several shards
and shards several batches. The fake model is hash-based, so equal vectors mean the Ray path
encoded the same items in the same rows; fault injection goes through the executor's ``loader``
(pickled by value into the workers): an actor that exits its process, an actor that always
does, a worker that lacks a package.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.embedding.executors.base import ExecutorOptions
from embedlab.embedding.executors.ray_pool import RayExecutor
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import BackendError, ModelError
from embedlab.models.base import ModelSpec
from embedlab.models.registry import parse_model
from embedlab.runtimes import RuntimeOptions, load_encoder

TEXTS = [f"caption number {i}" for i in range(20)]
IDS = [f"t{i}" for i in range(20)]


@pytest.fixture(autouse=True)
def _small_shards(monkeypatch: pytest.MonkeyPatch, ray_local: Any) -> None:
    monkeypatch.setattr("embedlab.embedding.provider.SHARD_SIZE", 8)
    ray_local.cloudpickle.register_pickle_by_value(sys.modules[__name__])


class _Faulty:
    """Wraps an encoder: logs each batch size to ``log``; exits the process per ``mode``."""

    def __init__(self, inner: Any, mode: str, flag: Path, log: Path) -> None:
        self.inner, self.mode, self.flag, self.log, self.spec = inner, mode, flag, log, inner.spec

    def _event(self, n: int) -> None:
        if self.mode == "always":
            os._exit(1)
        if self.mode == "once":
            try:
                self.flag.unlink()  # the first actor to get here dies; its restart goes on
            except FileNotFoundError:
                pass
            else:
                os._exit(1)
        with self.log.open("a") as handle:
            handle.write(f"{n}\n")

    def encode_texts(self, texts: Sequence[str], role: str = "query") -> Any:
        self._event(len(texts))
        return self.inner.encode_texts(texts, role=role)

    def encode_images(self, images: Sequence[Any]) -> Any:
        self._event(len(images))
        return self.inner.encode_images(images)


def _faulty_loader(
    mode: str, flag: Path, log: Path, spec: ModelSpec, options: RuntimeOptions
) -> Any:
    if mode == "no-torch":
        raise ImportError("No module named 'torch'", name="torch")
    return _Faulty(load_encoder(spec, options), mode, flag, log)


def _ray_provider(
    cache: Path, tmp: Path, mode: str = "log", restarts: int = 2, actors: int = 1
) -> EmbeddingProvider:
    flag, log = tmp / "flag", tmp / "batches.log"
    flag.touch()
    executor = RayExecutor(
        ExecutorOptions(actors=actors, max_restarts=restarts),
        loader=partial(_faulty_loader, mode, flag, log),
    )
    return EmbeddingProvider(parse_model("fake:8", batch_size=3), cache, executor=executor)


def _local(cache: Path) -> np.ndarray:
    return EmbeddingProvider(parse_model("fake:8", batch_size=3), cache).texts("d", IDS, TEXTS)


def test_killed_actor_is_restarted_and_a_resumed_run_computes_only_missing_shards(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    expected = _local(cache)  # the local executor fills the cache: shards 0, 1, 2
    (shard,) = cache.glob("embeddings/*/shard-000001.npy")
    shard.unlink()
    vectors = _ray_provider(cache, tmp_path, mode="once").texts("d", IDS, TEXTS)
    assert not (tmp_path / "flag").exists()  # the actor died on its first batch
    log = (tmp_path / "batches.log").read_text().split()
    assert sum(int(n) for n in log) == 8  # shard 1 = items 8..15 (batches 3+3+2), nothing else
    np.testing.assert_allclose(vectors, expected, rtol=0, atol=1e-6)
    again = EmbeddingProvider(parse_model("fake:8", batch_size=3), cache)
    inner = load_encoder(again.spec, RuntimeOptions())
    again._encoder = _Faulty(inner, "always", tmp_path, tmp_path)  # would exit if called
    assert np.array_equal(again.texts("d", IDS, TEXTS), vectors)  # local reads Ray's shard


def test_actor_that_keeps_dying_names_the_shards(tmp_path: Path) -> None:
    provider = _ray_provider(tmp_path / "cache", tmp_path, mode="always", restarts=0)
    with pytest.raises(BackendError) as caught:
        provider.texts("d", IDS, TEXTS)
    message = str(caught.value)
    assert "\n" not in message
    assert "fake:8 · d texts: Ray could not compute shards 0, 1, 2 of 3" in message
    assert "after 0 actor restart(s)" in message and "re-run to resume" in message
    assert not list((tmp_path / "cache").glob("embeddings/*/shard-*.npy"))


def test_worker_without_the_model_dependencies_is_one_line(tmp_path: Path) -> None:
    provider = _ray_provider(tmp_path / "cache", tmp_path, mode="no-torch")
    with pytest.raises(ModelError) as caught:
        provider.texts("d", IDS, TEXTS)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("on Ray worker ")
    assert "needs the Python package torch, which is not installed on this Ray worker" in message


def _run(tmp: Path, data: Path, name: str, *extra: str) -> dict[str, Any]:
    args = ["run", "-m", "fake:16", "-t", "shapes", "--data-dir", str(data), "--batch-size", "5"]
    args += ["--out", str(tmp / name), "--cache-dir", str(tmp / f"cache-{name}")]
    result = CliRunner().invoke(app, [*args, "--no-progress", "--bootstrap", "50", *extra])
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads((tmp / name / "results.json").read_text())
    return loaded


def test_embedlab_run_with_ray_equals_the_local_run(tmp_path: Path, shapes_dir: Path) -> None:
    local = _run(tmp_path, shapes_dir, "local")
    ray = _run(tmp_path, shapes_dir, "ray", "--executor", "ray", "--ray-actors", "2")
    assert ray["metrics"] == local["metrics"] and len(local["metrics"]) > 0
    assert ray["config"]["executor"] == "ray"
    shards = sorted(p.relative_to(tmp_path / "cache-local") for p in
                    (tmp_path / "cache-local").glob("embeddings/*/shard-*.npy"))  # fmt: skip
    assert len(shards) > 4  # images and texts, several shards each
    for path in shards:
        ours, theirs = (
            np.load(tmp_path / "cache-ray" / path),
            np.load(tmp_path / "cache-local" / path),
        )
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
