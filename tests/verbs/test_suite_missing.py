"""One up-front message listing every missing weight and dataset of a suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from embedlab.config.suite import load_suite
from embedlab.errors import DataError
from embedlab.models.presets import PRESETS
from embedlab.verbs.suite_inputs import hub_cache, in_hub_cache
from embedlab.verbs.suite_missing import check_inputs, missing_items
from embedlab.verbs.suite_plan import PlanOptions, build_plan

SEVEN = (
    "dfn5b-clip-vit-h-14-378", "clip-vit-h-14-laion2b", "metaclip-h14-fullcc2.5b",
    "colpali-v1.3", "jina-clip-v1", "siglip-so400m-patch14-384", "clip-vit-l-14-336",
)  # fmt: skip


def _offline() -> str:
    return "HF_HUB_OFFLINE=1 is set (offline mode)"


def _cached(hub: Path, hub_id: str, revision: str = "abc123") -> Path:
    folder = hub / f"models--{hub_id.replace('/', '--')}"
    (folder / "refs").mkdir(parents=True, exist_ok=True)
    (folder / "refs" / "main").write_text(revision)
    snapshot = folder / "snapshots" / revision
    snapshot.mkdir(parents=True, exist_ok=True)
    (snapshot / "model.safetensors").write_bytes(b"weights")
    return snapshot


def test_the_hub_cache_follows_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", "/h")
    assert hub_cache() == Path("/h/hub")
    monkeypatch.setenv("HUGGINGFACE_HUB_CACHE", "/legacy")
    assert hub_cache() == Path("/legacy")
    monkeypatch.setenv("HF_HUB_CACHE", "/new")
    assert hub_cache() == Path("/new")


def test_weights_count_only_when_a_weights_file_is_really_there(tmp_path: Path) -> None:
    snapshot = _cached(tmp_path, "a/b")
    assert in_hub_cache("a/b", cache=tmp_path) and in_hub_cache("a/b", "abc123", tmp_path)
    assert not in_hub_cache("a/b", "other", tmp_path) and not in_hub_cache("c/d", cache=tmp_path)
    (snapshot / "model.safetensors").unlink()
    os.symlink(tmp_path / "blobs" / "gone", snapshot / "model.safetensors")  # interrupted
    assert not in_hub_cache("a/b", cache=tmp_path)


def test_every_missing_input_is_listed_in_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    here = PRESETS["clip-vit-l-14-336"]
    _cached(hub, here.hub_id, here.revision or "abc123")  # one model is here
    data = tmp_path / "data"
    (data / "winoground" / "images").mkdir(parents=True)
    (data / "winoground" / "examples.jsonl").write_text("{}\n")  # winoground is here
    options = PlanOptions(out=tmp_path / "out", data_dir=data, cache_dir=tmp_path / "cache",
                          trust_remote_code=True)  # fmt: skip
    plan = build_plan(load_suite("seed-report"), options)
    with pytest.raises(DataError) as info:
        check_inputs(plan, hub_reason=_offline)
    message = str(info.value)
    assert message.startswith("suite seed-report: 7 input(s) missing (HF_HUB_OFFLINE=1 is set")
    for name in SEVEN[:-1]:
        preset = PRESETS[name]
        pin = f" --revision {preset.revision}" if preset.revision else ""
        assert f"weights of {name}: {preset.hub_id} (" in message
        assert f"huggingface-cli download {preset.hub_id}{pin})" in message
    assert "weights of clip-vit-l-14-336" not in message
    assert "dataset coco-karpathy (6.2 GB" in message and f"not found under {data}" in message
    assert "<data-dir>/coco-karpathy/dataset_coco.json" in message
    assert "dataset winoground" not in message
    assert "embedlab run --suite seed-report --only speed" in message
    assert not (tmp_path / "out").exists()


def test_online_absent_inputs_are_fetched_not_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    trusted = PlanOptions(cache_dir=tmp_path, trust_remote_code=True)
    plan = build_plan(load_suite("seed-report"), trusted)
    assert missing_items(plan, hub_reason=lambda: None) == []
    offline = missing_items(plan, hub_reason=_offline)
    assert len(offline) == 9  # 7 weights + 2 datasets from the Hub
    assert "no --data-dir given and the Hub cannot be reached" in offline[-1]
    speed_only = build_plan(load_suite("seed-report"), PlanOptions(only="speed"))
    assert missing_items(speed_only, hub_reason=_offline) == []  # arch: twins need nothing


def test_a_model_that_ships_its_own_code_needs_the_flag_named_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    plan = build_plan(load_suite("seed-report"), PlanOptions(cache_dir=tmp_path))
    (line,) = missing_items(plan, hub_reason=lambda: None)  # online: only the flag is missing
    assert line.startswith("model jina-clip-v1 ships its own modelling code: pass "
                           "--trust-remote-code")  # fmt: skip
    trusted = build_plan(load_suite("seed-report"),
                         PlanOptions(cache_dir=tmp_path, trust_remote_code=True))  # fmt: skip
    jina = [g.config for g in trusted.quality if "jina-clip-v1" in g.config.models]
    others = [g.config for g in trusted.quality if "jina-clip-v1" not in g.config.models]
    assert jina and all(c.trust_remote_code for c in jina)
    assert others and not any(c.trust_remote_code for c in others)  # only the model that needs it
