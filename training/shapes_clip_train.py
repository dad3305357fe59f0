"""The contrastive training loop of ``shapes-clip`` (CLIP's symmetric InfoNCE).

Each step draws a batch of *distinct* scenes (so no in-batch negative is a false negative), in
whole groups of the arrangements of one object pair (spatial hard negatives), one rendering of
each scene (from one of the training seeds) and one of its captions. The loss is the mean of
the image→text and text→image cross-entropies of the similarity matrix scaled by CLIP's
learnable temperature ``exp(logit_scale)`` (clamped to at most 100). AdamW with linear warm-up
and cosine decay; weight decay only on matrices. All randomness: ``torch.manual_seed``
(initialisation) and one ``numpy.random.Generator`` (batches, renderings, captions).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from PIL import Image
from shapes_clip_data import TrainSet
from shapes_clip_model import CLIP_MEAN, CLIP_STD
from torch.nn import functional as F
from transformers import CLIPModel, PreTrainedTokenizerFast

MAX_LOGIT_SCALE = math.log(100.0)


@dataclass(frozen=True)
class Schedule:
    """Optimisation settings."""

    steps: int = 1500
    batch_size: int = 128
    lr: float = 5e-4
    weight_decay: float = 0.1
    warmup: int = 75


def pixels_to_tensor(pixels: NDArray[np.uint8]) -> torch.Tensor:
    """uint8 NHWC images (already 64 px) → normalised NCHW float32, as CLIPImageProcessor."""
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def scene_groups(data: TrainSet) -> list[list[int]]:
    """Scene ids grouped by their (unordered) pair of objects: up to 4 arrangements each."""
    groups: dict[frozenset[tuple[str, str]], list[int]] = {}
    for index, (a, b, _) in enumerate(data.scene_keys):
        groups.setdefault(frozenset((a, b)), []).append(index)
    return [groups[k] for k in sorted(groups, key=sorted)]


def check_preprocessing(encoder: Any, pixels: NDArray[np.uint8]) -> None:
    """Fail unless :func:`pixels_to_tensor` equals the saved image processor's output."""
    images = [Image.fromarray(p) for p in pixels]
    expected = encoder.image_processor(images=images, return_tensors="pt")["pixel_values"]
    error = float((expected - pixels_to_tensor(pixels)).abs().max())
    if error > 1e-5:
        raise SystemExit(f"training preprocessing differs from the image processor by {error}")


def batches(data: TrainSet, size: int, rng: np.random.Generator) -> Iterator[NDArray[np.int64]]:
    """Endless image-index batches of distinct scenes, a random rendering of each.

    Scenes come in whole object-pair groups ("A left of B", "B left of A", "A above B",
    "B above A"), so every batch holds the spatial hard negatives of its scenes.
    """
    by_scene = [np.flatnonzero(data.scene_ids == s) for s in range(data.n_scenes)]
    groups = scene_groups(data)
    while True:
        order = [s for g in rng.permutation(len(groups)) for s in groups[int(g)]]
        for start in range(0, len(order) - size + 1, size):
            scenes = order[start : start + size]
            yield np.array([rng.choice(by_scene[s]) for s in scenes], dtype=np.int64)


def _optimizer(model: CLIPModel, schedule: Schedule) -> torch.optim.AdamW:
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "embedding" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "embedding" not in n)]
    groups = [
        {"params": decay, "weight_decay": schedule.weight_decay},
        {"params": rest, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=schedule.lr, betas=(0.9, 0.98), eps=1e-6)


def _lr_factor(step: int, schedule: Schedule) -> float:
    if step < schedule.warmup:
        return (step + 1) / schedule.warmup
    progress = (step - schedule.warmup) / max(1, schedule.steps - schedule.warmup)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def clip_loss(
    model: CLIPModel, pixel_values: torch.Tensor, tokens: dict[str, torch.Tensor]
) -> torch.Tensor:
    """Symmetric InfoNCE over the batch (matching pairs on the diagonal)."""
    out = model(pixel_values=pixel_values, **tokens)
    logits = out.logits_per_image
    target = torch.arange(logits.shape[0])
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def train(
    model: CLIPModel,
    tokenizer: PreTrainedTokenizerFast,
    data: TrainSet,
    schedule: Schedule,
    rng: np.random.Generator,
    log: Callable[[str], None] = print,
) -> list[tuple[int, float, float]]:
    """Train ``model`` in place; return ``(step, loss, temperature scale)`` every 25 steps."""
    optimizer = _optimizer(model, schedule)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _lr_factor(s, schedule))
    model.train()
    history: list[tuple[int, float, float]] = []
    started = time.perf_counter()
    for step, index in enumerate(batches(data, schedule.batch_size, rng)):
        if step == schedule.steps:
            break
        texts = [data.captions[i][rng.integers(len(data.captions[i]))] for i in index]
        tokens = tokenizer(texts, padding="longest", return_tensors="pt")
        loss = clip_loss(model, pixels_to_tensor(data.pixels[index]), dict(tokens))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        scheduler.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0.0, MAX_LOGIT_SCALE)
        if step % 25 == 0 or step == schedule.steps - 1:
            value, scale = loss.item(), model.logit_scale.detach().exp().item()
            history.append((step, value, scale))
            elapsed = time.perf_counter() - started
            log(f"step {step:4d}  loss {value:.4f}  scale {scale:6.2f}  {elapsed:6.1f}s")
    model.eval()  # type: ignore[no-untyped-call]
    return history
