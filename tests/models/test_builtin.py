"""The ``builtin`` source: the packaged ``shapes-clip`` loads offline and has learned the shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from PIL import Image

from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.data.shapes import JSON_NAME, generate_shapes
from embedlab.data.shapes_pairs import caption, swapped
from embedlab.data.shapes_scene import Scene
from embedlab.data.types import ImageTextDataset
from embedlab.errors import UnknownNameError
from embedlab.metrics.retrieval import retrieval_metrics
from embedlab.models.base import Encoder
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources.builtin import WEIGHTS_DIR, builtin_path
from embedlab.scoring.retrieval import rank_protocols
from tests.models._helpers import TEXTS, assert_unit_rows, row_cosines, sample_images

SHAPES_CLIP = WEIGHTS_DIR / "shapes-clip"
EMBED_DIM = 64


def _fingerprint(text: str) -> str:
    spec = parse_model(text)
    return get_source(spec).fingerprint(spec)


def test_packaged_folder_is_complete() -> None:
    names = {p.name for p in SHAPES_CLIP.iterdir()}
    assert {"config.json", "model.safetensors", "preprocessor_config.json"} <= names
    assert {"tokenizer.json", "tokenizer_config.json", "README.md"} <= names
    assert (SHAPES_CLIP / "model.safetensors").stat().st_size < 8 * 2**20
    assert builtin_path("shapes-clip") == SHAPES_CLIP


def test_unknown_builtin_name_lists_the_valid_ones() -> None:
    spec = parse_model("builtin:nope")
    for call in (get_source(spec).fingerprint, get_source(spec).load):
        with pytest.raises(UnknownNameError, match=r"'nope'.*shapes-clip"):
            call(spec)


def test_fingerprint_is_the_hf_file_fingerprint_of_the_folder() -> None:
    fingerprint = _fingerprint("builtin:shapes-clip")
    assert fingerprint == f"builtin/v1:shapes-clip:{_fingerprint(f'hf:{SHAPES_CLIP}')}"
    assert fingerprint == _fingerprint("builtin:shapes-clip")


def test_fingerprint_does_not_import_frameworks() -> None:
    code = (
        "import sys\n"
        "from embedlab.models.registry import get_source, parse_model\n"
        "spec = parse_model('builtin:shapes-clip')\n"
        "assert get_source(spec).fingerprint(spec).startswith('builtin/v1:shapes-clip:hf/v1:')\n"
        "heavy = [m for m in ('torch', 'transformers', 'open_clip') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    spec = parse_model("builtin:shapes-clip")
    return get_source(spec).load(spec)


def test_loads_and_embeds(encoder: Encoder) -> None:
    assert encoder.spec.name == "builtin:shapes-clip"
    assert_unit_rows(encoder.encode_images(sample_images()), 3, EMBED_DIM)
    assert_unit_rows(encoder.encode_texts(TEXTS), 3, EMBED_DIM)  # unknown words → <unk>
    assert encoder.encode_texts([]).shape == (0, EMBED_DIM)


def test_loading_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    spec = parse_model("builtin:shapes-clip")
    assert_unit_rows(get_source(spec).load(spec).encode_texts(["a red circle"]), 1, EMBED_DIM)


def test_text_pools_the_eos_token(encoder: Encoder) -> None:
    """EOS has the highest id; padding a text in a batch does not change its embedding."""
    tokenizer, config = encoder.tokenizer, encoder.model.config.text_config  # type: ignore[attr-defined]
    assert tokenizer.eos_token_id == config.eos_token_id == len(tokenizer) - 1 != 2
    ids = tokenizer("a red circle left of a blue square")["input_ids"]
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
    texts = ["a red circle", "the blue square is to the left of the green triangle"]
    alone = np.concatenate([encoder.encode_texts([text]) for text in texts])
    assert row_cosines(alone, encoder.encode_texts(texts)).min() >= 0.99999
    different = encoder.encode_texts(["a red circle above a blue square", "a red circle"])
    assert float(different[0] @ different[1]) < 0.99


@pytest.fixture(scope="module")
def held_out(tmp_path_factory: pytest.TempPathFactory) -> ImageTextDataset:
    """The default shapes set (200 images, seed 0): every scene of it was excluded from training.

    (A smaller seed-0 set is not a subset of it: ``generate_shapes(n_images=50, seed=0)`` shares
    only 11 of its 50 scenes with the default set, the others are training scenes.)
    """
    root = tmp_path_factory.mktemp("held_out")
    folder = generate_shapes(root / "shapes", n_images=200, seed=0, split="test")
    return load_dataset(
        DatasetRequest(name="shapes", data_dir=folder, cache_dir=root), ImageTextDataset
    )


def test_retrieval_on_the_held_out_default_shapes_set(
    encoder: Encoder, held_out: ImageTextDataset
) -> None:
    """Measured by training/train_shapes_clip.py: t2i R@1 0.821, R@10 1.0; i2t R@1 0.825."""
    images = encoder.encode_images([Image.open(p).convert("RGB") for p in held_out.image_paths])
    texts = encoder.encode_texts(held_out.captions)
    ranks = rank_protocols(texts, images, held_out.caption_image, ("t2i", "i2t"))
    t2i, i2t = (retrieval_metrics(ranks[p].ranks).recall for p in ("t2i", "i2t"))
    chance = 1 / held_out.n_images
    assert t2i[1] > 40 * chance
    assert t2i[10] > 0.9
    assert i2t[1] > 40 * chance


@pytest.mark.parametrize(("kind", "bound"), [("colour-swap", 0.7), ("relation-swap", 0.65)])
def test_prefers_the_true_caption_over_a_swapped_one(
    encoder: Encoder, held_out: ImageTextDataset, kind: str, bound: float
) -> None:
    """Measured: colour swap 0.868, relation (object) swap 0.800; chance 0.5."""
    entries = json.loads((held_out.image_paths[0].parent.parent / JSON_NAME).read_text("utf-8"))
    scenes = [_scene(e["scene"]) for e in entries["images"]]
    items = [(i, s, swapped(s, kind)) for i, s in enumerate(scenes)]
    kept = [(i, caption(s), caption(alt)) for i, s, alt in items if alt is not None]
    images = encoder.encode_images([Image.open(held_out.image_paths[i]) for i, _, _ in kept])
    true = encoder.encode_texts([t for _, t, _ in kept])
    false = encoder.encode_texts([f for _, _, f in kept])
    correct = (images * true).sum(axis=1) > (images * false).sum(axis=1)
    assert correct.mean() > bound


def _scene(scene: dict[str, Any]) -> Scene:
    (a, b), relation = scene["objects"], scene["relation"]
    return Scene((a["color"], a["shape"]), (b["color"], b["shape"]), relation)
