"""Fixtures choosing the retrieval rank pass: the C kernel's or numpy's (same ranks)."""

from __future__ import annotations

import pytest

from embedlab.scoring import _rank_pass


@pytest.fixture
def numpy_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force the numpy pass even where the C kernel is built."""
    monkeypatch.setattr(_rank_pass, "usable", lambda n_rows: False)


@pytest.fixture(params=["fused", "numpy"])
def either_pass(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once with the default pass (the C kernel when built), once with numpy's."""
    if request.param == "numpy":
        monkeypatch.setattr(_rank_pass, "usable", lambda n_rows: False)
    return str(request.param)
