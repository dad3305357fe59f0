"""The ``hf:`` source recognises ColPali / ColQwen2 checkpoints as multi-vector from config.json.

Recognition is cheap: it reads ``config.json`` (a folder's, or a hub id's in the local Hugging
Face cache) and imports no framework, shown in a fresh interpreter. A multi-vector model loads
through ``load_tokens`` on torch only; ``load`` (dense) and the other runtimes refuse it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from embedlab.errors import ConfigError, ModelError
from embedlab.models.base import ModelSpec
from embedlab.models.fingerprint import files_fingerprint
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources.hf import HF_SOURCE
from embedlab.runtimes import load_encoder
from embedlab.runtimes.loader import check_token_spec, load_token_encoder

PROBE = """
import json, sys
from embedlab.models.registry import get_source, parse_model
answers = {}
for ref in sys.argv[1:]:
    spec = parse_model("hf:" + ref)
    answers[ref] = get_source(spec).late_interaction(spec)
heavy = sorted(m for m in ("torch", "transformers", "PIL") if m in sys.modules)
print(json.dumps({"answers": answers, "heavy": heavy}))
"""


def test_recognised_from_config_without_importing_a_framework(
    tiny_colpali_dir: Path, tiny_colqwen2_dir: Path, tiny_clip_dir: Path
) -> None:
    refs = [str(tiny_colpali_dir), str(tiny_colqwen2_dir), str(tiny_clip_dir)]
    refs.append(f"{tiny_colpali_dir}?dim=8")  # through the Matryoshka wrapper
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *refs], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    assert result["heavy"] == []
    assert list(result["answers"].values()) == [True, True, False, True]


def _cached_hub_model(cache: Path, repo: str, model_type: str) -> None:
    folder = cache / f"models--{repo.replace('/', '--')}"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text("abc123")
    snapshot = folder / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps({"model_type": model_type}))


def test_hub_ids_read_the_local_cache_and_never_guess_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _cached_hub_model(tmp_path, "vidore/colqwen2-v1.0-hf", "colqwen2")
    _cached_hub_model(tmp_path, "openai/clip-vit-base-patch16", "clip")
    late = HF_SOURCE.late_interaction
    assert late(ModelSpec("hf", "vidore/colqwen2-v1.0-hf"))
    assert not late(ModelSpec("hf", "openai/clip-vit-base-patch16"))
    # Not cached and the Hub unusable: dense (the load then says the Hub is needed).
    assert not late(ModelSpec("hf", "vidore/colpali-v1.3-hf"))


def test_fingerprint_is_the_dense_one(tiny_colpali_dir: Path, tiny_clip_dir: Path) -> None:
    for folder in (tiny_colpali_dir, tiny_clip_dir):
        spec = ModelSpec("hf", str(folder))
        assert HF_SOURCE.fingerprint(spec) == f"hf/v1:{files_fingerprint(folder)}"


def test_dense_load_and_other_runtimes_refuse_it(tiny_colpali_dir: Path) -> None:
    spec = parse_model(f"hf:{tiny_colpali_dir}")
    with pytest.raises(ModelError, match=r"'colpali' checkpoint .* a multi-vector \(late-int"):
        load_encoder(spec)
    for runtime in ("onnxruntime", "openvino", "openai+http://127.0.0.1:9/v1"):
        other = parse_model(f"hf:{tiny_colpali_dir}", runtime=runtime)
        pattern = f"--runtime {re.escape(runtime)}: model .* torch only"
        with pytest.raises(ConfigError, match=pattern) as e:
            load_token_encoder(other)
        assert "\n" not in str(e.value)
    check_token_spec(spec)  # torch, no dim: fine


def test_dense_sources_have_no_token_model(tiny_clip_dir: Path) -> None:
    fake = parse_model("fake:8")
    assert not get_source(fake).late_interaction(fake)
    with pytest.raises(ConfigError, match="'fake:8' is a dense model"):
        get_source(fake).load_tokens(fake)
    clip = parse_model(f"hf:{tiny_clip_dir}")
    with pytest.raises(ModelError, match=r"'clip' checkpoint .* not a multi-vector model"):
        get_source(clip).load_tokens(clip)


def test_load_tokens_gives_the_family_encoder(tiny_colqwen2_dir: Path) -> None:
    encoder = load_token_encoder(parse_model(f"hf:{tiny_colqwen2_dir}", batch_size=3))
    assert type(encoder).__name__ == "ColVisionEncoder"
    assert encoder.token_dim == 16 and encoder.spec.batch_size == 3
