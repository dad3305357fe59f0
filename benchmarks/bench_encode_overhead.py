"""Overhead of embedlab's encode paths against a bare, hand-written loop over the same model.

Four image-throughput figures for one model, batch size and thread count (fp32, CPU):

1. **speed path** — :func:`embedlab.perf.measure.measure_case`, exactly what ``embedlab speed``
   reports: sustained items / wall second of preprocess + model on in-memory PIL images
   (synthetic 640x480, as in ``embedlab speed``), with warm-up and iteration/time floors.
2. **bare loop, in memory** — the same images, batch size and floors, written by hand: the
   model's image processor, ``get_image_features`` under ``torch.inference_mode``, L2
   normalisation in numpy. No embedlab code in the timed loop.
3. **quality path** — :class:`embedlab.embedding.provider.EmbeddingProvider` over the same images
   saved as JPEG files (a fresh cache folder, so everything is computed): decoding in its
   prefetch thread pool, the model call, the NaN check and the cache writes. Items / seconds of
   its own timing record. One pass over ``--n-images`` after a one-batch warm-up pass.
4. **bare loop, from disk** — one serial pass over the same files: open + decode (the same
   ``load_image`` function) + preprocess + forward + normalise.

It prints speed/bare (in memory) and quality/bare (from disk); 0.9–1.1 means embedlab adds no
measurable overhead. The quality path may exceed 1 because it decodes the next batch while the
model runs. On a shared machine run ``--rounds 3``: rounds alternate the paths and the medians
are reported.

Usage::

    python benchmarks/bench_encode_overhead.py [--model arch:openai/clip-vit-base-patch16]
        [--batch-size 32] [--threads 2] [--n-images 96] [--min-seconds 10] [--rounds 1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _bare_loop import floors_loop


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="arch:openai/clip-vit-base-patch16", help="SOURCE:REF")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    p.add_argument("--n-images", type=int, default=96, help="images of the quality/disk passes")
    p.add_argument("--workers", type=int, default=2, help="decode threads of the quality path")
    p.add_argument("--warmup-iterations", type=int, default=2)
    p.add_argument("--warmup-seconds", type=float, default=2.0)
    p.add_argument("--min-iterations", type=int, default=5)
    p.add_argument("--min-seconds", type=float, default=10.0)
    p.add_argument("--rounds", type=int, default=1, help="alternating repetitions (median)")
    return p.parse_args()


def bare_embed(encoder: Any, images: list[Any]) -> np.ndarray:
    """Preprocess + forward + normalise, without embedlab code."""
    import torch

    pixels = encoder.image_processor(images=images, return_tensors="pt")["pixel_values"]
    with torch.inference_mode():
        out = encoder.model.get_image_features(pixel_values=pixels)
    features = out if isinstance(out, torch.Tensor) else out.pooler_output
    vectors = features.float().numpy()
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def speed_path(encoder: Any, args: argparse.Namespace) -> float:
    from embedlab.perf.measure import SpeedInputs, measure_case
    from embedlab.perf.runner import TimingPlan
    from embedlab.perf.timer import Timer

    plan = TimingPlan(args.warmup_iterations, args.warmup_seconds, args.min_iterations,
                      args.min_seconds)  # fmt: skip
    inputs = SpeedInputs(max_batch=args.batch_size)
    case = measure_case(encoder, "image", args.batch_size, inputs, plan, Timer())
    return next(r.value for r in case.rows if r.metric == "throughput")


def bare_memory(encoder: Any, args: argparse.Namespace) -> float:
    from embedlab.perf.inputs import synthetic_images

    images = synthetic_images(args.batch_size)
    calls, seconds = floors_loop(lambda: bare_embed(encoder, images), args)
    return calls * args.batch_size / seconds


def quality_path(encoder: Any, paths: list[Path], cache: Path, tag: str, workers: int) -> float:
    from embedlab.embedding.provider import EmbeddingProvider

    provider = EmbeddingProvider(encoder.spec, cache / tag, workers=workers)
    provider._encoder = encoder  # reuse the loaded model: the timing must not include loading
    ids = [f"{tag}-{i}" for i in range(len(paths))]
    warm = encoder.spec.batch_size
    provider.images(f"warmup-{tag}", ids[:warm], paths[:warm])
    provider.images(f"bench-{tag}", ids, paths)
    timing = provider.timings[-1]
    assert timing.n_computed == len(paths), "the quality path read embeddings from a cache"
    return timing.n_computed / timing.seconds


def bare_disk(encoder: Any, paths: list[Path], batch: int) -> float:
    from embedlab.data.images import load_image

    bare_embed(encoder, [load_image(p) for p in paths[:batch]])  # warm-up batch
    start = time.perf_counter()
    for lo in range(0, len(paths), batch):
        bare_embed(encoder, [load_image(p) for p in paths[lo : lo + batch]])
    return len(paths) / (time.perf_counter() - start)


def main() -> None:
    args = _args()
    import torch

    from embedlab.models.registry import get_source, parse_model
    from embedlab.perf.inputs import synthetic_images

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    spec = parse_model(args.model, batch_size=args.batch_size)
    encoder = get_source(spec).load(spec)
    if not hasattr(encoder, "model") or not hasattr(encoder, "image_processor"):
        raise SystemExit(f"{args.model}: the bare loop needs an hf: or arch: model")
    results: dict[str, list[float]] = {"speed": [], "bare": [], "quality": [], "disk": []}
    with tempfile.TemporaryDirectory(prefix="embedlab-bench-") as tmp:
        folder = Path(tmp)
        paths = []
        for i, image in enumerate(synthetic_images(args.n_images, seed=1)):
            paths.append(folder / f"{i:05d}.jpg")
            image.save(paths[-1], quality=90)
        for r in range(args.rounds):
            results["speed"].append(speed_path(encoder, args))
            results["bare"].append(bare_memory(encoder, args))
            results["disk"].append(bare_disk(encoder, paths, args.batch_size))
            results["quality"].append(
                quality_path(encoder, paths, folder / "cache", f"r{r}", args.workers)
            )
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"model {args.model}, fp32, batch {args.batch_size}, torch threads "
          f"{torch.get_num_threads()}, {args.rounds} round(s), medians")  # fmt: skip
    print(f"  speed path   (embedlab speed, in-memory 640x480):  {med['speed']:8.2f} images/s")
    print(f"  bare loop    (in-memory, same floors):              {med['bare']:8.2f} images/s")
    ratio = med["speed"] / med["bare"]
    print(f"  ratio speed/bare:                                   {ratio:8.3f}")
    print(f"  quality path (EmbeddingProvider, {args.n_images} JPEGs):         "
          f"{med['quality']:8.2f} images/s")  # fmt: skip
    print(f"  bare loop    (decode + preprocess + forward):       {med['disk']:8.2f} images/s")
    ratio = med["quality"] / med["disk"]
    print(f"  ratio quality/bare:                                 {ratio:8.3f}")


if __name__ == "__main__":
    main()
