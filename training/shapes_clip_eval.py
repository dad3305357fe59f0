"""Evaluation of a saved ``shapes-clip`` folder with embedlab's own code path.

The folder is loaded by the ``hf`` model source (exactly as ``builtin:shapes-clip`` loads it),
the default shapes set by the ``shapes`` dataset loader, and the numbers come from embedlab's
scoring and metric functions:

* retrieval: ``t2i``, ``t2i-first``, ``i2t``, ``i2t-symmetric`` Recall@1/5/10 (+ chance);
* caption choice per image: true plain caption vs one false caption, where the false one swaps
  the two colours, swaps the two objects (same words, relation reversed), or replaces the
  relation by its inverse; chance is 50 %;
* ``shapes-pairs`` (Winoground style, rendered minimal pairs): text/image/group scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from shapes_clip_data import read_entries, scene_of

from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.data.shapes_pairs import caption, load_shapes_pairs, swapped
from embedlab.data.shapes_scene import INVERSE, Scene
from embedlab.data.types import ImageTextDataset
from embedlab.metrics.retrieval import retrieval_metrics
from embedlab.models.base import Encoder
from embedlab.models.registry import get_source, parse_model
from embedlab.scoring.pair_choice import choice_correct, similarities, winoground_scores
from embedlab.scoring.retrieval import RETRIEVAL_PROTOCOLS, rank_protocols

KS = (1, 5, 10)
BATCH = 64


def load_encoder(folder: Path) -> Encoder:
    """Load a checkpoint folder with embedlab's ``hf`` source."""
    spec = parse_model(f"hf:{folder.resolve()}")
    return get_source(spec).load(spec)


def embed_images(encoder: Encoder, paths: Sequence[Path]) -> NDArray[np.float32]:
    """Unit image embeddings of the files ``paths``, in batches."""
    parts = []
    for start in range(0, len(paths), BATCH):
        images = [Image.open(p).convert("RGB") for p in paths[start : start + BATCH]]
        parts.append(encoder.encode_images(images))
    return np.concatenate(parts)


def embed_texts(encoder: Encoder, texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit text embeddings of ``texts``, in batches."""
    parts = [encoder.encode_texts(texts[s : s + BATCH]) for s in range(0, len(texts), BATCH)]
    return np.concatenate(parts)


def retrieval(encoder: Encoder, data_dir: Path, cache_dir: Path) -> dict[str, Any]:
    """Recall@K of every retrieval protocol on the shapes set in ``data_dir``, with chance."""
    data = load_dataset(
        DatasetRequest(name="shapes", data_dir=data_dir, cache_dir=cache_dir), ImageTextDataset
    )
    images = embed_images(encoder, data.image_paths)
    texts = embed_texts(encoder, data.captions)
    ranks = rank_protocols(texts, images, data.caption_image)
    n_img, n_cap = data.n_images, data.n_captions
    positives = np.bincount(data.caption_image, minlength=n_img)
    out: dict[str, Any] = {"n_images": n_img, "n_captions": n_cap}
    for protocol in RETRIEVAL_PROTOCOLS:
        metrics = retrieval_metrics(ranks[protocol].ranks, KS)
        recall = {str(k): metrics.recall[k] for k in KS}  # str keys survive JSON
        chance = {str(k): _chance(protocol, k, n_img, n_cap, positives) for k in KS}
        out[protocol] = {"recall": recall, "chance": chance, "n": metrics.n}
    return out


def _chance(protocol: str, k: int, n_img: int, n_cap: int, positives: NDArray[np.int64]) -> float:
    """Expected Recall@K of a random ranking (at least one positive among K random picks)."""
    if protocol in ("t2i", "t2i-first", "i2t-symmetric"):
        return min(k, n_img) / n_img
    misses = [comb(n_cap - int(p), k) / comb(n_cap, k) for p in positives]
    return float(1.0 - np.mean(misses))


def _swaps(scene: Scene) -> dict[str, Scene | None]:
    inverse = Scene(scene.a, scene.b, INVERSE[scene.relation])
    return {
        "colour-swap": swapped(scene, "colour-swap"),
        "object-swap": swapped(scene, "relation-swap"),
        "relation-word-swap": inverse,
    }


def caption_choice(encoder: Encoder, data_dir: Path) -> dict[str, dict[str, float]]:
    """Accuracy of preferring each image's true caption over each kind of swapped caption."""
    entries = read_entries(data_dir)
    scenes = [scene_of(e) for e in entries]
    paths = [data_dir / e["filepath"] / e["filename"] for e in entries]
    images = embed_images(encoder, paths)
    out: dict[str, dict[str, float]] = {}
    for kind in ("colour-swap", "object-swap", "relation-word-swap"):
        rows = [(i, s, _swaps(s)[kind]) for i, s in enumerate(scenes)]
        kept = [(i, s, alt) for i, s, alt in rows if alt is not None]
        texts = [caption(s) for _, s, _ in kept] + [caption(a) for _, _, a in kept if a]
        emb = embed_texts(encoder, texts)
        n = len(kept)
        img_index = np.array([i for i, _, _ in kept], dtype=np.int64)
        true_sim = similarities(emb, images, np.arange(n), img_index)
        alt_sim = similarities(emb, images, np.arange(n, 2 * n), img_index)
        correct = choice_correct(true_sim, alt_sim[:, None])
        out[kind] = {"accuracy": float(correct.mean()), "n": n, "chance": 0.5}
    return out


def pair_scores(encoder: Encoder, data_dir: Path, cache_dir: Path) -> dict[str, dict[str, float]]:
    """Winoground-style text/image/group scores per ``shapes-pairs`` tag."""
    pairs = load_shapes_pairs(data_dir, cache_dir)
    examples = pairs.examples
    paths = [p for e in examples for p in e.image_paths]
    texts = [c for e in examples for c in e.captions]
    images, captions_emb = embed_images(encoder, paths), embed_texts(encoder, texts)
    n = len(examples)
    base = 2 * np.arange(n)[:, None, None]
    sim = similarities(
        captions_emb, images, base + np.arange(2)[None, :, None], base + np.arange(2)[None, None]
    )
    scores = winoground_scores(sim)
    tags = np.array([e.tag for e in examples])
    out: dict[str, dict[str, float]] = {}
    for tag in sorted(set(tags.tolist())):
        mask = tags == tag
        out[tag] = {
            "text": float(scores.text[mask].mean()),
            "image": float(scores.image[mask].mean()),
            "group": float(scores.group[mask].mean()),
            "n": int(mask.sum()),
        }
    return out


def evaluate(encoder: Encoder, eval_dir: Path, cache_dir: Path) -> dict[str, Any]:
    """All evaluation numbers of a loaded checkpoint on the shapes set in ``eval_dir``."""
    return {
        "retrieval": retrieval(encoder, eval_dir, cache_dir),
        "caption_choice": caption_choice(encoder, eval_dir),
        "shapes_pairs": pair_scores(encoder, eval_dir, cache_dir),
    }
