"""End-to-end runs of the engine on generated data with the fake and tiny real models."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.config.run import RunConfig
from embedlab.data.types import ImageTextDataset
from embedlab.errors import DataError, ModelError, UnknownNameError
from embedlab.models.base import ModelSpec, SourceDefaults
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.sources.fake import FAKE_SOURCE
from embedlab.results.io import read_results
from embedlab.results.outcomes import read_outcomes
from embedlab.verbs.run import run


def _config(tmp_path: Path, data_dir: Path, model: str = "fake:16", **over: Any) -> RunConfig:
    settings: dict[str, Any] = {
        "models": [model],
        "tasks": ["shapes"],
        "out": tmp_path / "out",
        "data_dir": data_dir,
        "cache_dir": tmp_path / "cache",
        "progress": False,
        "bootstrap": 200,
        "batch_size": 4,
    }
    return RunConfig(**{**settings, **over})


def test_run_writes_all_outputs(tmp_path: Path, shapes_dir: Path) -> None:
    log = run(_config(tmp_path, shapes_dir))
    out = tmp_path / "out"
    assert read_results(out) == log
    protocols = {r.protocol for r in log.metrics}
    assert protocols == {"t2i", "t2i-first", "i2t", "i2t-symmetric"}
    names = {(r.metric, r.k) for r in log.metrics}
    assert names == {
        ("recall@1", 1),
        ("recall@5", 5),
        ("recall@10", 10),
        ("mrr", None),
        ("median_rank", None),
    }
    info = log.datasets[0]
    by_protocol = {r.protocol: r.n for r in log.metrics}
    assert by_protocol == {
        "t2i": info.n_captions,
        "t2i-first": info.n_images,
        "i2t": info.n_images,
        "i2t-symmetric": info.n_images,
    }
    for row in log.metrics:
        assert row.ci_low is not None and row.ci_high is not None
        assert row.ci_low <= row.value <= row.ci_high
    assert (out / "results.csv").read_text().count("\n") == len(log.metrics) + 1
    outcome = log.outcomes[0]
    tables = read_outcomes(out / outcome.path)
    assert [t.protocol for t in tables] == ["t2i", "t2i-first", "i2t", "i2t-symmetric"]
    assert log.status == "complete" and log.environment["cpu_count"]


def _independent_ranks(
    text: np.ndarray, image: np.ndarray, cap_img: np.ndarray
) -> dict[str, list[int]]:
    """Brute force in float64 with explicit loops (a different computation from scoring/)."""
    scores = text.astype(np.float64) @ image.astype(np.float64).T
    n_img = image.shape[0]
    first = [int(np.flatnonzero(cap_img == i)[0]) for i in range(n_img)]
    t2i = [
        1 + int(np.sum(np.delete(scores[c], cap_img[c]) >= scores[c, cap_img[c]]))
        for c in range(len(cap_img))
    ]
    i2t, sym = [], []
    for i in range(n_img):
        col = scores[:, i]
        best = col[cap_img == i].max()
        i2t.append(1 + int(np.sum(col[cap_img != i] >= best)))
        firsts = col[first]
        sym.append(1 + int(np.sum(np.delete(firsts, i) >= firsts[i])))
    return {"t2i": t2i, "t2i-first": [t2i[c] for c in first], "i2t": i2t, "i2t-symmetric": sym}


@pytest.mark.parametrize("model_fixture", ["tiny_open_clip_dir", "tiny_clip_dir"])
def test_metrics_equal_independent_computation(
    tmp_path: Path, shapes_dir: Path, model_fixture: str, request: pytest.FixtureRequest
) -> None:
    """All four protocols, on data whose images have 4, 5 or 6 captions, to 1e-6."""
    folder = request.getfixturevalue(model_fixture)
    model = f"open_clip:local-dir:{folder}" if "open_clip" in model_fixture else f"hf:{folder}"
    log = run(_config(tmp_path, shapes_dir, model=model, bootstrap=0))
    from embedlab.data.registry import DatasetRequest, load_dataset
    from embedlab.models.registry import parse_model

    data = load_dataset(DatasetRequest("shapes", shapes_dir, tmp_path / "cache"), ImageTextDataset)
    assert set(np.bincount(data.caption_image)) >= {4, 6}
    encoder = MODEL_SOURCES.get(model.split(":")[0]).load(parse_model(model))
    from embedlab.data.images import load_image

    image = encoder.encode_images([load_image(p) for p in data.image_paths])
    text = encoder.encode_texts(data.captions)
    ranks = _independent_ranks(text, image, data.caption_image)
    values = {(r.protocol, r.metric): r.value for r in log.metrics}
    for protocol, rank in ranks.items():
        rank_arr = np.asarray(rank, dtype=np.float64)
        for k in (1, 5, 10):
            assert values[(protocol, f"recall@{k}")] == pytest.approx(
                np.mean(rank_arr <= k), abs=1e-6
            )
        assert values[(protocol, "mrr")] == pytest.approx(np.mean(1 / rank_arr), abs=1e-6)
        assert values[(protocol, "median_rank")] == pytest.approx(np.median(rank_arr), abs=1e-6)


def test_rerun_recomputes_nothing(
    tmp_path: Path, shapes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, shapes_dir)
    first = run(config)

    def refuse(spec: ModelSpec) -> Any:
        raise AssertionError("the model must not be loaded on a finished re-run")

    monkeypatch.setattr(FAKE_SOURCE, "load", refuse)
    second = run(config)
    assert second.metrics == first.metrics
    # a different output folder reuses the embedding cache: no item is encoded again
    third = run(config.model_copy(update={"out": tmp_path / "other"}))
    assert third.metrics == first.metrics
    assert all(t.n_computed == 0 for t in third.timings)


def test_cached_rerun_imports_no_framework(
    tmp_path: Path, shapes_dir: Path, tiny_open_clip_dir: Path
) -> None:
    model = f"open_clip:local-dir:{tiny_open_clip_dir}"
    config = _config(tmp_path, shapes_dir, model=model, bootstrap=0)
    run(config)
    script = (
        "import sys, json\n"
        "from embedlab.config.run import RunConfig\n"
        "from embedlab.verbs.run import run\n"
        f"run(RunConfig.model_validate_json({config.model_dump_json()!r}))\n"
        "heavy = ('torch', 'open_clip', 'transformers')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


class _Flaky(SourceDefaults):
    """Wraps the fake source; its encoder fails on the ``fail_at``-th image batch."""

    def __init__(self) -> None:
        self.fail_at: int | None = None
        self.image_batches = 0

    def fingerprint(self, spec: ModelSpec) -> str:
        return "flaky"

    def load(self, spec: ModelSpec) -> Any:
        inner = FAKE_SOURCE.load(ModelSpec(source="fake", ref="16"))
        outer = self

        class Enc:
            def __init__(self) -> None:
                self.spec = spec

            def encode_images(self, images: Sequence[Any]) -> np.ndarray:
                outer.image_batches += 1
                if outer.fail_at is not None and outer.image_batches >= outer.fail_at:
                    raise ModelError("simulated crash")
                return inner.encode_images(images)

            def encode_texts(self, texts: Sequence[str], role: str = "query") -> np.ndarray:
                return inner.encode_texts(texts)

        return Enc()


@pytest.fixture
def flaky() -> _Flaky:
    source = _Flaky()
    MODEL_SOURCES._factories["flaky"] = source  # test-only source
    yield source
    del MODEL_SOURCES._factories["flaky"]


def test_interrupted_run_resumes(
    tmp_path: Path, shapes_dir: Path, flaky: _Flaky, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("embedlab.embedding.provider.SHARD_SIZE", 8)
    config = _config(tmp_path, shapes_dir, model="flaky:x")
    flaky.fail_at = 4  # batches of 4 → shards of 8: shard 0 completes, shard 1 dies
    with pytest.raises(ModelError, match="simulated crash"):
        run(config)
    assert not (tmp_path / "out" / "results.json").exists(), "no partial results file"
    flaky.fail_at = None
    log = run(config)
    image_timing = next(t for t in log.timings if t.modality == "image")
    assert image_timing.n_computed == image_timing.n_items - 8
    fresh = run(config.model_copy(update={"out": tmp_path / "o2", "cache_dir": tmp_path / "c2"}))
    assert fresh.metrics == log.metrics


def test_nan_model_stops_without_results(tmp_path: Path, shapes_dir: Path) -> None:
    with pytest.raises(ModelError, match=r"NaN/inf embeddings for items \['s0-64px"):
        run(_config(tmp_path, shapes_dir, model="fake:8?nan"))
    assert not (tmp_path / "out" / "results.json").exists()


def test_unknown_names_list_valid_ones(tmp_path: Path, shapes_dir: Path) -> None:
    with pytest.raises(UnknownNameError, match=r"valid tasks: .*coco-karpathy"):
        run(_config(tmp_path, shapes_dir, tasks=["coco"]))
    with pytest.raises(UnknownNameError, match=r"valid model sources: .*open_clip"):
        run(_config(tmp_path, shapes_dir, model="clip:foo"))


def test_missing_image_named(tmp_path: Path, shapes_dir: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(shapes_dir, data)
    victim = sorted(data.rglob("*.png"))[3]
    victim.unlink()
    with pytest.raises(DataError, match=victim.name):
        run(_config(tmp_path, data))
    assert not (tmp_path / "out" / "results.json").exists()


def test_unreadable_image_named(tmp_path: Path, shapes_dir: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(shapes_dir, data)
    victim = sorted(data.rglob("*.png"))[5]
    victim.write_bytes(b"not a png")
    with pytest.raises(DataError, match=victim.name):
        run(_config(tmp_path, data))
    assert not (tmp_path / "out" / "results.json").exists()


def test_environment_records_embedding_dim_and_parameters(
    tmp_path: Path, shapes_dir: Path
) -> None:
    """The report's params/dim columns: dim from the embeddings, parameters from the module."""
    import transformers

    from embedlab.models.sources.builtin import WEIGHTS_DIR

    log = run(_config(tmp_path, shapes_dir, model="builtin:shapes-clip"))
    info = log.environment["models"]["builtin:shapes-clip"]
    reference = transformers.CLIPModel.from_pretrained(WEIGHTS_DIR / "shapes-clip")
    assert info["parameters"] == sum(p.numel() for p in reference.parameters())
    assert info["embedding_dim"] == reference.config.projection_dim
    fake = run(_config(tmp_path / "f", shapes_dir)).environment["models"]["fake:16"]
    assert fake == {"embedding_dim": 16}  # no torch module behind the fake model
