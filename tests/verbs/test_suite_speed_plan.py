"""The speed half of a suite's plan: arch: twins and memory skips."""

from __future__ import annotations

import pytest

from embedlab.config.suite import load_suite
from embedlab.verbs import suite_speed_plan
from embedlab.verbs.suite_plan import PlanOptions, build_plan
from embedlab.verbs.suite_speed_plan import arch_twin, unique_label


def _absent(model: str) -> bool:
    return False


def test_a_model_that_does_not_fit_in_memory_is_skipped_with_the_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(suite_speed_plan, "available_ram_bytes", lambda: 3 * 10**9)
    plan = build_plan(load_suite("seed-report"), PlanOptions(only="speed"), _absent)
    models = [m for g in plan.speed for m in g.config.models]
    assert "arch:vidore/colpali-v1.3-hf" not in models
    (colpali,) = [s for s in plan.skipped if s.startswith("speed colpali-v1.3")]
    params = suite_speed_plan.PRESETS["colpali-v1.3"].facts.params  # type: ignore[union-attr]
    assert f"needs about {params * 2 * 1.2 / 1e9:.1f} GB in bf16" in colpali
    assert "3.0 GB of RAM available" in colpali
    assert arch_twin("clip-vit-b-16") == "arch:openai/clip-vit-base-patch16"


def test_labels_are_made_unique() -> None:
    taken: list[str] = []
    assert [unique_label("a", taken) for _ in range(3)] == ["a", "a-2", "a-3"]
