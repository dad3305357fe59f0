"""Executors without a Ray cluster: the registry, the local executor, flags and addresses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.config.run import RunConfig
from embedlab.core.ray_cluster import address_endpoint, import_ray, probe, root_cause
from embedlab.embedding.executors.base import EXECUTORS, ExecutorOptions, create_executor
from embedlab.embedding.executors.local import LocalExecutor
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import ConfigError, MissingDependencyError, UnknownNameError
from embedlab.models.registry import parse_model

TEXTS = [f"caption number {i}" for i in range(20)]
IDS = [f"t{i}" for i in range(20)]


def test_registry_lists_both_executors_and_refuses_others() -> None:
    assert EXECUTORS.names() == ["local", "ray"]
    assert isinstance(create_executor("local"), LocalExecutor)
    with pytest.raises(UnknownNameError, match="valid executors: local, ray"):
        create_executor("dask")


class _Counting:
    def __init__(self, inner: Any) -> None:
        self.inner, self.spec, self.rows = inner, inner.spec, 0

    def encode_texts(self, texts: Sequence[str], role: str = "query") -> Any:
        self.rows += len(texts)
        return self.inner.encode_texts(texts, role=role)


def test_local_executor_recomputes_only_missing_shards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("embedlab.embedding.provider.SHARD_SIZE", 8)
    first = EmbeddingProvider(parse_model("fake:8", batch_size=3), tmp_path)
    expected = first.texts("d", IDS, TEXTS)
    for shard in (0, 2):
        (path,) = tmp_path.glob(f"embeddings/*/shard-{shard:06d}.npy")
        path.unlink()
    again = EmbeddingProvider(parse_model("fake:8", batch_size=3), tmp_path)
    counting = _Counting(again.encoder)
    again._encoder = counting
    assert np.array_equal(again.texts("d", IDS, TEXTS), expected)
    assert counting.rows == 8 + 4  # shard 0 (items 0-7) and shard 2 (items 16-19)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_address_is_one_line_and_exit_2(tmp_path: Path, shapes_dir: Path) -> None:
    address = f"127.0.0.1:{_closed_port()}"
    args = ["run", "-m", "fake:8", "-t", "shapes", "--data-dir", str(shapes_dir)]
    args += ["--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")]
    args += ["--executor", "ray", "--ray-address", address, "--no-progress"]
    code = "from embedlab.cli.app import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: --ray-address {address}: nothing answers at")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_probe_accepts_a_listening_port() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        probe(f"127.0.0.1:{server.getsockname()[1]}", timeout_s=1.0)


@pytest.mark.parametrize(
    ("address", "endpoint"),
    [
        ("ray://head:10001", ("head", 10001)),
        ("ray://head", ("head", 10001)),
        ("head:6380", ("head", 6380)),
        ("10.0.0.5", ("10.0.0.5", 6379)),
        ("auto", None),
    ],
)
def test_address_forms(address: str, endpoint: tuple[str, int] | None) -> None:
    assert address_endpoint(address) == endpoint


@pytest.mark.parametrize("address", ["http://head:8265", "ray://:10001", "head:port"])
def test_malformed_address_is_refused(address: str) -> None:
    with pytest.raises(ConfigError, match="is not a Ray address"):
        address_endpoint(address)


def test_ray_flags_need_the_ray_executor(tmp_path: Path) -> None:
    base: dict[str, Any] = {"models": ["fake:8"], "tasks": ["shapes"], "out": tmp_path}
    with pytest.raises(ValueError, match="applies only with --executor ray"):
        RunConfig(**base, ray_actors=4)
    with pytest.raises(ValueError, match="must be one of local, ray"):
        RunConfig(**base, executor="spark")
    with pytest.raises(ValueError, match="greater than 0"):
        RunConfig(**base, executor="ray", ray_cpus_per_actor=0)
    config = RunConfig(**base, executor="ray", ray_cpus_per_actor=0.25)
    assert config.ray_cpus_per_actor == 0.25 and config.ray_actors is None


def test_missing_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'embedlab\[ray\]'"):
        import_ray("the Ray executor (--executor ray)")


def test_root_cause_finds_the_workers_exception() -> None:
    class RayLike(Exception):
        pass

    RayLike.__module__ = "ray.exceptions"
    inner = ImportError("No module named 'torch'")
    wrapped = RayLike("actor died", RayLike("task failed"))
    wrapped.args[1].cause = inner  # type: ignore[attr-defined]
    assert root_cause(wrapped) == "ImportError: No module named 'torch'"
    text_only = RayLike("Traceback ...\n  File x\nModuleNotFoundError: No module named 'embedlab'")
    assert root_cause(text_only) == "ModuleNotFoundError: No module named 'embedlab'"


def test_default_options_fit_a_two_core_machine() -> None:
    options = ExecutorOptions()
    assert options.actors * options.cpus_per_actor <= 2 and options.cpus_per_actor < 1


def test_a_local_run_never_imports_ray(tmp_path: Path, shapes_dir: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from embedlab.config.run import RunConfig; "
        "from embedlab.verbs.run import run; "
        f"run(RunConfig(models=['fake:8'], tasks=['shapes'], data_dir=Path({str(shapes_dir)!r}), "
        f"out=Path({str(tmp_path / 'out')!r}), cache_dir=Path({str(tmp_path / 'c')!r}), "
        "progress=False, bootstrap=0)); print('ray' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False"


def _block(texts: list[str]) -> dict[str, np.ndarray]:
    return {
        "shard": np.zeros(len(texts), dtype=np.int64),
        "index": np.arange(len(texts), dtype=np.int64),
        "item": np.asarray(texts, dtype=object),
    }


def test_actor_encodes_a_block_as_the_provider_does(tmp_path: Path) -> None:
    from embedlab.embedding.executors._ray_actor import actor_class
    from embedlab.embedding.executors.base import EncodeRecipe

    provider = EmbeddingProvider(parse_model("fake:8", batch_size=4), tmp_path)
    recipe = EncodeRecipe(
        provider.spec, tmp_path, None, "text", "document", None, provider.fingerprint
    )
    out = actor_class(recipe, None)()(_block(TEXTS[:4]))
    assert list(out["error"]) == [""] * 4
    expected = provider.encoder.encode_texts(TEXTS[:4], role="document")
    assert np.array_equal(out["vector"], expected)


def test_actor_with_other_weights_refuses(tmp_path: Path) -> None:
    from embedlab.embedding.executors._ray_actor import actor_class
    from embedlab.embedding.executors.base import EncodeRecipe
    from embedlab.embedding.executors.ray_pool import _raise_worker_error
    from embedlab.errors import ModelError

    spec = parse_model("fake:8", batch_size=4)
    recipe = EncodeRecipe(spec, tmp_path, None, "text", "query", None, "other-weights")
    out = actor_class(recipe, None)()(_block(TEXTS[:2]))
    with pytest.raises(ModelError, match=r"on Ray worker .*its weights fingerprint .* differs"):
        _raise_worker_error(out["error"])
