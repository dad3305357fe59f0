"""Instructions through ``embedlab run``: per-task defaults, flags, cache and part keys, records.

An MLLM embedder (``mllm:`` on a tiny Qwen3-VL folder) runs on ``shapes`` (image–text
retrieval) and ``beir-synthetic`` (text retrieval) from the CLI; its resolved instructions are
in the results' notes, a run with ``--query-instruction`` is a different model string with its
own cache entries and parts, and the two runs are comparable with ``embedlab compare``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.config.run import RunConfig
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.models.registry import parse_model
from embedlab.verbs.part_key import DataStamps, part_key
from tests.models._mllm_builders import save_tiny_qwen3_vl

RECIPE = "recipe=qwen3-vl-embedding&min_pixels=256&max_pixels=1024"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("qwen3") / "tiny"
    save_tiny_qwen3_vl(folder)
    return f"mllm:{folder}?{RECIPE}"


def _run(model: str, out: Path, cache: Path, *extra: str) -> dict[str, object]:
    args = ["run", "--model", model, "--out", str(out), "--cache-dir", str(cache),
            "--bootstrap", "20", "--no-progress", *extra]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return dict(json.loads((out / "results.json").read_text()))


def test_run_records_instructions_and_compares_with_and_without(
    model: str, tmp_path: Path, shapes_dir: Path
) -> None:
    cache = tmp_path / "cache"
    shapes = ("--task", "shapes", "--data-dir", str(shapes_dir))
    plain = _run(model, tmp_path / "a", cache, *shapes)
    notes = " ".join(str(n) for n in plain["notes"])  # type: ignore[attr-defined]
    assert "shapes: model mllm:" in notes
    assert "Retrieve images or text relevant to the user's query." in notes
    models = plain["environment"]["models"]  # type: ignore[index]
    assert next(iter(models.values()))["tokens_per_item"] > 5
    entries = len(list(cache.rglob("*.npy")))
    instructed = _run(model, tmp_path / "b", cache, *shapes, "--query-instruction", "find it")
    assert "find it' (--query-instruction)" in " ".join(instructed["notes"])  # type: ignore[arg-type]
    assert len(list(cache.rglob("*.npy"))) == entries + 1  # new query vectors; images shared
    assert instructed["config"]["query_instruction"] == "find it"  # type: ignore[index]
    compared = CliRunner().invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert compared.exit_code == 0, compared.output
    assert "query_instruction=find%20it" in compared.output


def test_text_retrieval_runs_with_its_own_instruction(model: str, tmp_path: Path) -> None:
    log = _run(model, tmp_path / "c", tmp_path / "cache", "--task", "beir-synthetic")
    notes = " ".join(str(n) for n in log["notes"])  # type: ignore[attr-defined]
    assert "(recipe qwen3-vl-embedding (text-retrieval))" in notes
    assert any(m["task"] == "beir-synthetic" for m in log["metrics"])  # type: ignore[attr-defined]


def test_cache_and_part_keys_carry_the_resolved_instruction(
    model: str, tmp_path: Path, shapes_dir: Path
) -> None:
    spec = parse_model(model, batch_size=4)
    provider = EmbeddingProvider(spec, tmp_path / "cache")
    ids, texts = ["q1", "q2"], ["a red circle", "two blue squares"]
    retrieval = provider.texts("d", ids, texts, "query", kind="image-text-retrieval")
    beir = provider.texts("d", ids, texts, "query", kind="text-retrieval")
    assert np.abs(retrieval - beir).max() > 1e-3  # two instructions, two entries
    assert len(list((tmp_path / "cache").rglob("*.npy"))) == 2
    config = RunConfig(models=[model], tasks=["shapes"], out=tmp_path / "o", data_dir=shapes_dir)
    from embedlab.tasks.base import TASKS

    params = TASKS.get("shapes").params()
    keys = {
        part_key(config, spec, provider.fingerprint, "shapes", params, DataStamps(), i)
        for i in (
            provider.instructions("image-text-retrieval"),
            provider.instructions("pair-choice"),
            None,
        )
    }
    assert len(keys) == 3


def test_a_recipe_without_a_known_instruction_names_the_flag(
    tmp_path: Path, shapes_dir: Path
) -> None:
    spec = parse_model("preset:gme-qwen2-vl-2b")
    provider = EmbeddingProvider(spec, tmp_path / "cache")
    with pytest.raises(Exception, match="pass --query-instruction TEXT"):
        provider.texts("d", ["q"], ["x"], "query", kind="text-retrieval")
