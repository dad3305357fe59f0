"""``embedlab run --executor ray``: BEIR's exact search as Ray tasks, results equal to local.

The local run fills the cache (64-row shards, so the corpus has several); the Ray runs reuse it
(nothing to encode) into other ``--out`` folders, beyond ``--corpus-memory-mb`` (tasks read the
cache shards) and without it (row blocks shipped from the driver).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from tests.fixtures.ray_local import spy_ray


def test_run_with_ray_search_equals_the_local_run(
    tmp_path: Path, ray_local: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("embedlab.embedding.provider.SHARD_SIZE", 64)
    calls = spy_ray(monkeypatch)

    def run(name: str, *extra: str) -> dict[str, Any]:
        args = ["run", "-m", "fake:16", "-t", "beir-synthetic", "--no-progress"]
        args += ["--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / name)]
        result = CliRunner().invoke(app, [*args, "--bootstrap", "50", *extra])
        assert result.exit_code == 0, result.output
        loaded: dict[str, Any] = json.loads((tmp_path / name / "results.json").read_text())
        return loaded

    local = run("local", "--corpus-memory-mb", "0.000001")
    assert calls == []
    streamed = run("ray", "--corpus-memory-mb", "0.000001", "--executor", "ray")
    held = run("ray-held", "--executor", "ray")
    assert len(calls) == 2 and len(calls[0]) > 2 and set(calls[0]) == {"cache"}
    assert set(calls[1]) == {"rows"}
    assert local["metrics"] and streamed["metrics"] == local["metrics"]
    assert held["metrics"] == local["metrics"]
