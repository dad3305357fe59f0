"""The ``remote`` source: repository code only by flag, driven like Jina-CLIP-v1's card.

The model is the session's ``tiny_remote_dir`` (tests/fixtures/tiny_remote_code.py): a folder
whose ``config.json`` ``auto_map`` names its own ``configuration_tiny`` / ``modeling_tiny``
classes and whose image processor is its own class too. The oracle for the embeddings is the
model's own ``encode_text`` / ``encode_image`` (loaded directly with transformers).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.errors import ConfigError, ModelError
from embedlab.models.fingerprint import code_digest
from embedlab.models.presets import PRESETS
from embedlab.models.registry import get_source, parse_model
from embedlab.models.revision import revision_note

TEXTS = ["a photo of a cat", "two red squares and a blue circle", "a small green triangle"]
SHA = "0123456789abcdef0123456789abcdef01234567"


def _images() -> list[Image.Image]:
    rng = np.random.default_rng(0)
    sizes = [(20, 30), (16, 16), (40, 24)]
    return [Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)) for w, h in sizes]


def _copy(folder: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(folder, target)
    return target


def test_without_the_flag_it_is_refused_in_one_line_before_any_repository_import(
    tiny_remote_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(tiny_remote_dir, tmp_path, "refused_remote_x7")
    spec = parse_model(f"remote:{folder}")
    source = get_source(spec)
    for call in (source.fingerprint, source.load):
        with pytest.raises(ConfigError) as caught:
            call(spec)
        message = str(caught.value)
        assert "\n" not in message
        assert "AutoConfig → configuration_tiny.TinyJinaCLIPConfig" in message
        assert "AutoModel → modeling_tiny.TinyJinaCLIPModel" in message
        assert "--trust-remote-code" in message and "trust_remote_code = true" in message
        assert "digest of the folder's .py files) is recorded in the results" in message
    assert not [name for name in sys.modules if "refused_remote_x7" in name]
    assert not list(Path(_modules_cache()).rglob("refused_remote_x7*"))


def _modules_cache() -> str:
    from transformers.utils import HF_MODULES_CACHE

    return str(HF_MODULES_CACHE)


def test_the_preset_is_the_remote_source_and_is_refused_naming_its_revision() -> None:
    spec = parse_model("jina-clip-v1")
    assert spec.name == "remote:jinaai/jina-clip-v1"
    revision = PRESETS["jina-clip-v1"].revision
    with pytest.raises(ConfigError, match="--trust-remote-code") as caught:
        get_source(spec).fingerprint(spec)
    expected = (
        f"{revision} (pinned by preset jina-clip-v1)" if revision else "unpinned (branch head)"
    )
    assert expected in str(caught.value)
    unpinned = parse_model("remote:org/tiny")
    with pytest.raises(ConfigError, match=r"unpinned: the branch head; pin \?revision=SHA"):
        get_source(unpinned).fingerprint(unpinned)
    info = get_source(spec).describe(spec)
    assert info["trust_remote_code"] is False
    assert info["revision"] == expected


def test_with_the_flag_embeddings_equal_the_models_own_encode_methods(
    tiny_remote_dir: Path,
) -> None:
    from transformers import AutoModel

    spec = parse_model(f"remote:{tiny_remote_dir}", trust_remote_code=True, batch_size=2)
    encoder = get_source(spec).load(spec)
    own = AutoModel.from_pretrained(str(tiny_remote_dir), trust_remote_code=True).eval()
    texts = encoder.encode_texts(TEXTS)
    images = encoder.encode_images(_images())
    assert texts.dtype == np.float32 and texts.shape == (3, 12) and images.shape == (3, 12)
    np.testing.assert_allclose(texts, own.encode_text(TEXTS), atol=1e-6)
    np.testing.assert_allclose(images, own.encode_image(_images()), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-6)
    # one batch and three single calls agree (padding to the longest does not change a text)
    singles = np.vstack([encoder.encode_texts([t]) for t in TEXTS])
    np.testing.assert_allclose(texts, singles, atol=1e-6)


def test_digest_of_the_code_is_recorded_and_keys_the_cache(
    tiny_remote_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(tiny_remote_dir, tmp_path, "remote_digest")
    spec = parse_model(f"remote:{folder}", trust_remote_code=True)
    source = get_source(spec)
    before, described = source.fingerprint(spec), source.describe(spec)
    assert described is not None
    assert described["trust_remote_code"] is True
    assert described["revision"].startswith(code_digest(folder))
    assert code_digest(folder) in before
    note = revision_note({"model": spec.name, **described})
    assert note is not None and "remote code trusted" in note and "modeling_tiny" in note
    modeling = folder / "modeling_tiny.py"
    stat = modeling.stat()
    modeling.write_text(modeling.read_text().replace("std=0.5", "std=0.6"))
    os.utime(modeling, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    assert source.fingerprint(spec) != before
    assert source.describe(spec)["revision"] != described["revision"]  # type: ignore[index]


def test_hub_revision_option_is_in_fingerprint_and_description() -> None:
    pinned = parse_model(f"remote:org/tiny?revision={SHA}", trust_remote_code=True)
    other = parse_model("remote:org/tiny?revision=v1.0", trust_remote_code=True)
    source = get_source(pinned)
    assert f"hub:org/tiny@{SHA}" in source.fingerprint(pinned)
    assert "hub:org/tiny@rev:v1.0" in source.fingerprint(other)
    info = source.describe(pinned)
    assert info is not None and info["revision"] == f"{SHA} (pinned by ?revision=)"
    with pytest.raises(ConfigError, match="unknown option 'pooling'"):
        source.fingerprint(parse_model("remote:org/tiny?pooling=mean", trust_remote_code=True))
    with pytest.raises(ConfigError, match="local folder"):
        source.fingerprint(parse_model("remote:./?revision=abc", trust_remote_code=True))


def test_load_passes_revision_and_code_revision_to_from_pretrained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import transformers

    from embedlab.models.sources import remote_code

    calls: list[tuple[str, dict[str, object]]] = []

    def fake(name: str) -> object:
        def from_pretrained(location: str, **kwargs: object) -> object:
            calls.append((name, kwargs))
            raise RuntimeError("stop")

        return from_pretrained

    monkeypatch.setattr(remote_code, "require_hub", lambda *a, **k: None)
    monkeypatch.setattr(
        remote_code, "read_config", lambda *a, **k: {"auto_map": {"AutoModel": "m.M"}}
    )
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", fake("tokenizer"))
    spec = parse_model(f"remote:org/tiny?revision={SHA}&code_revision=abc", trust_remote_code=True)
    with pytest.raises(ModelError, match="could not load the tokenizer"):
        get_source(spec).load(spec)
    assert calls == [("tokenizer", {"trust_remote_code": True, "revision": SHA})]
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **k: None)
    monkeypatch.setattr(transformers.AutoImageProcessor, "from_pretrained", lambda *a, **k: None)
    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", fake("model"))
    with pytest.raises(ModelError, match="could not load the weights"):
        get_source(spec).load(spec)
    kwargs = calls[-1][1]
    assert kwargs["revision"] == SHA and kwargs["code_revision"] == "abc"
    assert kwargs["trust_remote_code"] is True


def test_hf_refuses_unknown_model_type_with_auto_map_pointing_at_remote(
    tiny_remote_dir: Path,
) -> None:
    spec = parse_model(f"hf:{tiny_remote_dir}")
    with pytest.raises(ModelError) as caught:
        get_source(spec).load(spec)
    message = str(caught.value)
    assert "\n" not in message
    assert f"remote:{tiny_remote_dir} --trust-remote-code" in message
    assert "'tiny_jina_clip'" in message and "modeling_tiny.TinyJinaCLIPModel" in message


def test_config_without_auto_map_is_sent_to_hf(tiny_clip_dir: Path) -> None:
    spec = parse_model(f"remote:{tiny_clip_dir}", trust_remote_code=True)
    with pytest.raises(ModelError, match=f"load it with hf:{tiny_clip_dir}"):
        get_source(spec).load(spec)
