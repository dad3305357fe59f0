"""Pinned Hub revisions: ``?revision=``, a preset's revision, fingerprints, loads, records.

Loads are stopped at the first ``from_pretrained`` (a stand-in records its keyword arguments),
except open_clip's ``hf-hub:``, whose pinned files come from a stand-in ``hf_hub_download``
serving the tiny open_clip folder, compared with loading that folder directly.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.errors import ConfigError, ModelError
from embedlab.models._ref_options import split_revision
from embedlab.models.fingerprint import hub_fingerprint
from embedlab.models.presets import PRESETS
from embedlab.models.registry import get_source, parse_model
from embedlab.models.revision import Pin, resolve_pin, revision_note
from tests.models._helpers import TEXTS, sample_images

SHA = "57c216476eefef5ab752ec549e440a49ae4ae5f3"
OTHER = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


@pytest.mark.parametrize("bad", ["", "a b", "../up", "/abs", "x;rm"])
def test_a_revision_must_look_like_one(bad: str) -> None:
    with pytest.raises(ConfigError, match="is not a Hub revision"):
        split_revision(f"org/x?revision={bad}", "hf:org/x")


def test_pin_descriptions_and_local_folders(tmp_path: Path) -> None:
    assert split_revision("org/x?revision=refs/pr/1", "m") == ("org/x", "refs/pr/1")
    assert Pin(None).describe() == "unpinned (branch head)"
    assert Pin(SHA, "option").describe() == f"{SHA} (pinned by ?revision=)"
    assert Pin(SHA, "preset:p").describe() == f"{SHA} (pinned by preset p)"
    with pytest.raises(ConfigError, match="is a local folder"):
        resolve_pin("hf", str(tmp_path), "v1", "hf:folder")
    assert resolve_pin("hf", str(tmp_path), None, "m").revision is None


def test_hub_fingerprint_of_revisions(hub_cache: Path) -> None:
    repo = hub_cache / "models--org--x"
    assert hub_fingerprint("org/x") == "hub:org/x"
    assert hub_fingerprint("org/x", SHA) == f"hub:org/x@{SHA}"
    assert hub_fingerprint("org/x", "v1") == "hub:org/x@rev:v1"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "v1").write_text(OTHER)
    (repo / "refs" / "main").write_text(SHA)
    assert hub_fingerprint("org/x", "v1") == f"hub:org/x@{OTHER}"
    # a sha pinned and an unpinned cached main at that sha are the same weights, same key
    assert hub_fingerprint("org/x") == hub_fingerprint("org/x", SHA.upper())


@pytest.mark.parametrize(
    "model",
    [
        "hf:org/x",
        "open_clip:hf-hub:org/x",
        "st:org/x",
        "hf-text:org/x?pooling=mean",
        "mllm:Qwen/Qwen3-VL-Embedding-2B",
        "preset:bge-m3",
    ],
)
def test_every_hub_source_keys_and_records_the_revision(model: str) -> None:
    def spec(revision: str | None) -> Any:
        if revision is None:
            return parse_model(model)
        joiner = "&" if "?" in model else "?"
        return parse_model(f"{model}{joiner}revision={revision}")

    source = get_source(spec(None))
    prints = {source.fingerprint(spec(r)) for r in (None, SHA, OTHER)}
    assert len(prints) == 3
    info = source.describe(spec(OTHER))
    assert info is not None and info["revision"] == f"{OTHER} (pinned by ?revision=)"


def test_a_presets_revision_is_its_loaders_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PRESETS, "clip-vit-b-16", replace(PRESETS["clip-vit-b-16"], revision=SHA))
    monkeypatch.setitem(PRESETS, "bge-m3", replace(PRESETS["bge-m3"], revision=SHA))
    dfn = "dfn5b-clip-vit-h-14-378"
    monkeypatch.setitem(PRESETS, dfn, replace(PRESETS[dfn], revision=SHA))
    for name, preset in (
        ("clip-vit-b-16", "clip-vit-b-16"),
        ("hf:openai/clip-vit-base-patch16", "clip-vit-b-16"),
        ("bge-m3", "bge-m3"),
        (dfn, dfn),
    ):
        spec = parse_model(name)
        info = get_source(spec).describe(spec)
        assert info is not None and info["revision"] == f"{SHA} (pinned by preset {preset})"
        assert SHA in get_source(spec).fingerprint(spec)
        note = revision_note({"model": spec.name, **info})
        assert note == f"model {spec.name}: revision {info['revision']}"
    spec = parse_model(f"clip-vit-b-16?revision={OTHER}")
    assert get_source(spec).describe(spec) == {"revision": f"{OTHER} (pinned by ?revision=)"}
    unpinned = parse_model("hf:openai/clip-vit-large-patch14-336")
    info = get_source(unpinned).describe(unpinned)
    assert info == {"revision": "unpinned (branch head)"}
    assert revision_note({"model": unpinned.name, **info}) is None


def test_revision_on_a_local_folder_is_refused(tiny_clip_dir: Path) -> None:
    for model in (f"hf:{tiny_clip_dir}?revision=v1", f"st:{tiny_clip_dir}?revision=v1"):
        spec = parse_model(model)
        with pytest.raises(ConfigError, match="is a local folder"):
            get_source(spec).fingerprint(spec)
    spec = parse_model(f"open_clip:local-dir:{tiny_clip_dir}?revision=v1")
    with pytest.raises(ConfigError, match="applies to open_clip:hf-hub:REPO only"):
        get_source(spec).fingerprint(spec)


class _Stop(Exception):
    pass


def _recorder(calls: list[dict[str, Any]]) -> Any:
    def from_pretrained(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        raise _Stop

    return from_pretrained


@pytest.mark.parametrize(
    ("model", "target"),
    [
        ("hf:org/x", "transformers.AutoImageProcessor"),
        ("hf-text:org/x?pooling=mean", "transformers.AutoTokenizer"),
        ("mllm:Qwen/Qwen3-VL-Embedding-2B", "transformers.AutoProcessor"),
        ("st:org/x", "sentence_transformers.SentenceTransformer"),
    ],
)
def test_loads_pass_the_revision(model: str, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    calls: list[dict[str, Any]] = []
    module_name, _, attribute = target.rpartition(".")
    module = importlib.import_module(module_name)
    if attribute == "SentenceTransformer":
        monkeypatch.setattr(module, attribute, _recorder(calls))
    else:
        monkeypatch.setattr(getattr(module, attribute), "from_pretrained", _recorder(calls))
    for name in ("hf", "hf_text", "mllm", "st"):
        monkeypatch.setattr(f"embedlab.models.sources.{name}.require_hub", lambda *a, **k: None)
    config = {"model_type": "qwen3_vl" if model.startswith("mllm") else "clip"}
    monkeypatch.setattr("embedlab.models.sources.hf.read_config", lambda *a, **k: config)
    monkeypatch.setattr("embedlab.models.sources.mllm.read_config", lambda *a, **k: config)
    monkeypatch.setattr("embedlab.models.sources.mllm.hub_parameters", lambda *a: None)
    joiner = "&" if "?" in model else "?"
    spec = parse_model(f"{model}{joiner}revision={SHA}")
    with pytest.raises((_Stop, ModelError)):
        get_source(spec).load(spec)
    assert calls and calls[0]["revision"] == SHA


def test_open_clip_hf_hub_at_a_revision_builds_from_the_downloaded_files(
    tiny_open_clip_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    served: list[tuple[str, str, str]] = []

    def download(repo_id: str, filename: str, revision: str | None = None, **_: Any) -> str:
        served.append((repo_id, filename, str(revision)))
        source = tiny_open_clip_dir / filename
        if not source.is_file():
            raise huggingface_hub.errors.EntryNotFoundError(f"{filename} not in {repo_id}")
        target = tmp_path / "snapshots" / str(revision) / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return str(target)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setattr("embedlab.models.sources.open_clip.require_hub", lambda *a, **k: None)
    pinned = parse_model("open_clip:hf-hub:org/tiny?revision=v1")
    encoder = get_source(pinned).load(pinned)
    direct = parse_model(f"open_clip:local-dir:{tiny_open_clip_dir}")
    reference = get_source(direct).load(direct)
    np.testing.assert_array_equal(encoder.encode_texts(TEXTS), reference.encode_texts(TEXTS))
    np.testing.assert_array_equal(
        encoder.encode_images(sample_images()), reference.encode_images(sample_images())
    )
    assert {revision for _, _, revision in served} == {"v1"}
    assert ("org/tiny", "open_clip_config.json", "v1") in served
    assert ("org/tiny", "open_clip_model.safetensors", "v1") in served
