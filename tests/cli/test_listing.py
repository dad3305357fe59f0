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


def test_presets_table_has_one_aligned_row_per_preset_with_its_facts() -> None:
    result = CliRunner().invoke(app, ["list", "--presets"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines[0].split()
    assert header[:3] == ["preset", "stands", "for"] and header[-2:] == ["GB", "revision"]
    rows = {line.split()[0]: line for line in lines[1:] if not line.startswith(" ")}
    assert set(rows) == set(PRESETS)
    assert list(rows) == sorted(PRESETS)
    # Every row's cells start under their header's columns.
    starts = [lines[0].index(name) for name in ("params", "dim", "image", "license")]
    for line in rows.values():
        assert all(line[start - 1] == " " and line[start] != " " for start in starts), line
    # Hand-computed cells: 222,647,041 parameters, 0.89 GB, revision 06150c7c382d...
    assert rows["jina-clip-v1"].split() == [
        "jina-clip-v1", "remote:jinaai/jina-clip-v1", "222.6M", "768", "224", "crop",
        "apache-2.0", "0.89", "06150c7c382d",
    ]  # fmt: skip
    assert rows["colpali-v1.3"].split()[2:6] == ["2.92B", "128", "448", "squash"]
    assert rows["bge-m3"].split()[2:5] == ["568.0M", "1024", "-"]
    assert rows["clip-vit-l-14-336"].split()[-1] == "-"  # not pinned
    # The note follows its row, indented.
    note = lines[lines.index(rows["jina-clip-v1"]) + 1]
    assert note == "    " + PRESETS["jina-clip-v1"].note


def test_full_listing_keeps_its_presets_section() -> None:
    output = CliRunner().invoke(app, ["list"]).output
    section = output.split("presets (--model NAME or preset:NAME):\n")[1].split("arch configs")[0]
    assert [line.split()[0] for line in section.splitlines()] == sorted(PRESETS)
