"""RunConfig's late-interaction fields: defaults, the --candidates refusal, the run identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from embedlab.config.run import DEFAULT_CANDIDATES, RunConfig, identity_differences


def _config(**over: Any) -> RunConfig:
    return RunConfig(**{"models": ["fake:16"], "tasks": ["vidore"], "out": Path("o"), **over})


def test_candidates_default_only_with_rerank() -> None:
    assert _config().candidates is None
    assert _config(rerank="hf:x").candidates == DEFAULT_CANDIDATES == 100
    assert _config(rerank="hf:x", candidates=5).candidates == 5
    # a config read back from results.json keeps its value
    again = RunConfig.model_validate(_config(rerank="hf:x").model_dump(mode="json"))
    assert again.candidates == 100


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"candidates": 5}, "needs --rerank MODEL"),
        ({"rerank": "hf:x", "candidates": 0}, "greater than or equal to 1"),
        ({"rerank": ""}, "at least 1 character"),
    ],
)
def test_bad_late_settings_refused(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _config(**over)


def test_late_fields_determine_the_results() -> None:
    old = _config().model_dump(mode="json")
    for name in ("muvera", "rerank", "candidates"):
        del old[name]  # a results.json written before these fields existed
    assert identity_differences(old, _config()) == []
    assert identity_differences(old, _config(muvera=True)) == ["muvera: False → True"]
    assert identity_differences(_config(rerank="hf:x").model_dump(), _config(rerank="hf:y")) == [
        "rerank: 'hf:x' → 'hf:y'"
    ]
    assert identity_differences(
        _config(rerank="hf:x").model_dump(), _config(rerank="hf:x", candidates=7)
    ) == ["candidates: 100 → 7"]
