"""The part key and the run config see ``--fast-decode`` (fast and exact parts never mix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.config.run import RunConfig
from embedlab.models.registry import parse_model
from embedlab.tasks.base import TASKS
from embedlab.verbs.part_key import DataStamps, part_key


def test_fast_decode_refused_with_ray_and_keyed_in_parts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="local executor"):
        RunConfig(models=["fake:8"], tasks=["shapes"], out=tmp_path, fast_decode=True,
                  executor="ray")  # fmt: skip
    spec = parse_model("fake:8")
    params = TASKS.get("shapes").params()
    keys = [
        part_key(RunConfig(models=["fake:8"], tasks=["shapes"], out=tmp_path, fast_decode=f),
                 spec, "w", "shapes", params, DataStamps())
        for f in (False, True)
    ]  # fmt: skip
    assert keys[0] != keys[1]
