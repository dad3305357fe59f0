"""``embedlab list`` shows every registered component, read from the registries."""

from __future__ import annotations

from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.data.registry import DATASETS
from embedlab.metrics.table import METRICS
from embedlab.models.presets import PRESETS
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.sources.arch import shipped_configs
from embedlab.runtimes.base import RUNTIMES
from embedlab.tasks.base import TASKS


def test_listing_is_complete_against_the_registries() -> None:
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    words = {line.split()[0] for line in result.output.splitlines() if line.startswith("  ")}
    assert {f"{name}:" for name in MODEL_SOURCES.names()} <= words
    assert set(PRESETS) <= words
    assert set(shipped_configs()) <= words
    assert set(TASKS.names()) <= words
    assert set(DATASETS.names()) <= words
    assert {e.name for e in METRICS.entries()} <= words
    assert all(name in result.output for name in RUNTIMES.names())
    zeroshot = next(line for line in result.output.splitlines() if line.startswith("  zeroshot"))
    assert "classnames" in zeroshot and "templates" in zeroshot
