"""Fingerprints identify weights cheaply and never import a deep-learning framework."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from embedlab.models.fingerprint import files_fingerprint, hf_hub_cache, hub_fingerprint
from embedlab.models.registry import get_source, parse_model


def _fingerprint(text: str) -> str:
    spec = parse_model(text)
    return get_source(spec).fingerprint(spec)


def _make_folder(root: Path) -> Path:
    folder = root / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "open_clip_config.json").write_text("{}", encoding="utf-8")
    (folder / "sub" / "weights.bin").write_bytes(b"\0" * 8)
    return folder


def test_local_folder_fingerprint_changes_with_files(tmp_path: Path) -> None:
    folder = _make_folder(tmp_path)
    before = _fingerprint(f"hf:{folder}")
    assert before.startswith("hf/v1:files:")
    assert _fingerprint(f"hf:{folder}") == before
    assert _fingerprint(f"open_clip:local-dir:{folder}").endswith(before.removeprefix("hf/v1:"))
    (folder / "sub" / "weights.bin").write_bytes(b"\1" * 9)
    assert _fingerprint(f"hf:{folder}") != before


def test_mtime_alone_changes_fingerprint(tmp_path: Path) -> None:
    folder = _make_folder(tmp_path)
    before = files_fingerprint(folder)
    weights = folder / "sub" / "weights.bin"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert files_fingerprint(folder) != before


def test_hub_id_uses_cached_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    assert hf_hub_cache() == tmp_path
    assert hub_fingerprint("org/name") == "hub:org/name"
    refs = tmp_path / "models--org--name" / "refs"
    refs.mkdir(parents=True)
    (refs / "main").write_text("0123abcd\n", encoding="utf-8")
    assert _fingerprint("hf:org/name") == "hf/v1:hub:org/name@0123abcd"
    assert _fingerprint("open_clip:hf-hub:org/name") == "open_clip/v1:hub:org/name@0123abcd"


def test_open_clip_pretrained_tag() -> None:
    assert _fingerprint("open_clip:ViT-B-32/openai") == "open_clip/v1:ViT-B-32/tag:openai"


def test_fingerprint_does_not_import_frameworks(tmp_path: Path) -> None:
    folder = _make_folder(tmp_path)
    code = (
        "import sys\n"
        "from embedlab.models.registry import get_source, parse_model\n"
        f"for text in ['hf:{folder}', 'hf:org/name', 'open_clip:local-dir:{folder}',\n"
        "             'open_clip:ViT-B-32/openai', 'open_clip:hf-hub:org/name', 'fake:8']:\n"
        "    spec = parse_model(text)\n"
        "    get_source(spec).fingerprint(spec)\n"
        "heavy = [m for m in ('torch', 'transformers', 'open_clip') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
