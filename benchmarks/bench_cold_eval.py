"""Cold COCO-format retrieval eval: CLIP_benchmark's own CLI against ``embedlab run``.

What is compared, like for like:

- **data**: one generated COCO-format folder, read by both tools: ``val2014/*.jpg`` (seeded
  synthetic JPEGs at COCO's sizes, 640x480 / 480x640 / 640x427 / 500x375, quality 90) with
  ``coco_test_karpathy.json`` (COCO caption annotations, what ``clip_benchmark eval --dataset
  mscoco_captions`` reads) and ``dataset_coco.json`` (Karpathy's layout, what ``embedlab run
  --task coco-karpathy`` reads): the same images, the same captions, the same order;
- **model**: one tiny randomly initialised open_clip ViT (224 px input, so resize, crop and
  normalisation are the real work) saved as an open_clip ``local-dir:`` folder that both load
  through open_clip's own factory;
- **work**: both embed every image and every caption at ``--batch-size`` and compute
  recall@1/5/10 in both directions (CLIP_benchmark's ``image_retrieval_recall@K`` is embedlab's
  ``t2i`` recall@K, ``text_retrieval_recall@K`` its ``i2t``); embedlab runs with
  ``--protocol t2i --protocol i2t --bootstrap 0`` (no confidence intervals: CLIP_benchmark
  computes none);
- **cold**: every run is a new process with empty caches (embedlab: a fresh ``--cache-dir``);
  the wall time is the whole command, imports included;
- **bytecode**: both tools' modules load from compiled bytecode, as after any ``pip install``.
  CLIP_benchmark's were compiled by pip; an editable embedlab install has none until Python
  writes them, and never where ``PYTHONDONTWRITEBYTECODE`` is set (then every start compiles
  embedlab's sources, about 0.1–0.3 s here). So the script compiles embedlab's package once
  with :mod:`compileall` before timing (the same files ``pip install .`` would write) and says
  so; pass ``--no-compile`` to time without it.

Rounds interleave the tools (CB, embedlab, embedlab --fast-decode, CB, ...); the best of
``--rounds`` is reported per tool, with the ratio embedlab / CLIP_benchmark, and the recall
difference of ``--fast-decode`` (JPEG draft decoding) against exact decoding. The tiny model is
random, so its recalls sit near chance and their fast − exact difference says little; the script
also reports the cosine between each image's exact and fast embedding (read from the two runs'
embedding caches), which measures how far draft decoding moves what the model sees.

Usage::

    python benchmarks/bench_cold_eval.py [--n-images 1000] [--captions 5] [--rounds 3]
        [--batch-size 64] [--cb-workers 4] [--workers 2] [--workdir DIR] [--keep] [--no-compile]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SIZES = ((640, 480), (480, 640), (640, 427), (500, 375))
COLOURS = ("red", "green", "blue", "yellow", "black", "white", "orange", "purple")
THINGS = ("cat", "dog", "car", "bus", "tree", "person", "boat", "horse", "kite", "pizza")
PLACES = ("on a street", "in a field", "near a lake", "in a kitchen", "on a beach", "in a park")
MODEL_CONFIG: dict[str, Any] = {
    "model_cfg": {
        "embed_dim": 64,
        "vision_cfg": {
            "image_size": 224,
            "layers": 2,
            "width": 64,
            "head_width": 32,
            "patch_size": 32,
        },
        "text_cfg": {
            "context_length": 77,
            "vocab_size": 49408,
            "width": 64,
            "heads": 2,
            "layers": 2,
        },
    },
    "preprocess_cfg": {
        "mean": [0.48145466, 0.4578275, 0.40821073],
        "std": [0.26862954, 0.26130258, 0.27577711],
        "interpolation": "bicubic",
        "resize_mode": "shortest",
    },
}
KS = (1, 5, 10)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-images", type=int, default=1000)
    p.add_argument("--captions", type=int, default=5, help="captions per image")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best of)")
    p.add_argument("--batch-size", type=int, default=64, help="both tools (CB's default)")
    p.add_argument("--cb-workers", type=int, default=4, help="CB --num_workers (its default)")
    p.add_argument("--workers", type=int, default=2, help="embedlab --workers (decode processes)")
    p.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    p.add_argument("--keep", action="store_true", help="keep the generated folder and outputs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--no-compile",
        action="store_true",
        help="do not compile embedlab's modules to bytecode first (see the module docstring)",
    )
    return p.parse_args()


def _image(rng: np.random.Generator, size: tuple[int, int]) -> Any:
    """A smooth colour field with a few rectangles and mild noise (decodes like a photo)."""
    from PIL import Image, ImageDraw

    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b, c = rng.uniform(-1, 1, size=(3, 3))
    base = np.stack([128 + 90 * np.sin(a[i] * x / 60 + b[i] * y / 45 + c[i] * 3) for i in range(3)])
    pixels = base.transpose(1, 2, 0) + rng.normal(0, 6, size=(h, w, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 6))):
        x0, y0 = int(rng.integers(0, w - 40)), int(rng.integers(0, h - 40))
        x1, y1 = x0 + int(rng.integers(20, w // 2)), y0 + int(rng.integers(20, h // 2))
        fill = tuple(int(v) for v in rng.integers(0, 256, size=3))
        draw.rectangle((x0, y0, x1, y1), fill=fill)
    return image


def make_folder(root: Path, n_images: int, n_captions: int, seed: int) -> None:
    """Write the COCO-format folder (both annotation files over the same images)."""
    rng = np.random.default_rng(seed)
    (root / "val2014").mkdir(parents=True)
    images, annotations, karpathy = [], [], []
    sentid = 0
    for i in range(n_images):
        cocoid = 100000 + i
        name = f"COCO_val2014_{cocoid:012d}.jpg"
        size = SIZES[int(rng.integers(len(SIZES)))]
        _image(rng, size).save(root / "val2014" / name, quality=90)
        images.append({"id": cocoid, "file_name": name, "width": size[0], "height": size[1]})
        sentences = []
        for _ in range(n_captions):
            text = (
                f"a {COLOURS[int(rng.integers(8))]} {THINGS[int(rng.integers(10))]} "
                f"{PLACES[int(rng.integers(6))]} number {sentid}"
            )  # the number keeps captions distinct: no tied scores between images' captions
            annotations.append({"id": sentid, "image_id": cocoid, "caption": text})
            sentences.append({"raw": text, "tokens": text.split(), "imgid": i, "sentid": sentid})
            sentid += 1
        karpathy.append(
            {
                "filepath": "val2014",
                "filename": name,
                "cocoid": cocoid,
                "imgid": i,
                "split": "test",
                "sentids": [s["sentid"] for s in sentences],
                "sentences": sentences,
            }
        )
    coco = {"images": images, "annotations": annotations, "info": {}, "licenses": []}
    (root / "coco_test_karpathy.json").write_text(json.dumps(coco), encoding="utf-8")
    (root / "dataset_coco.json").write_text(json.dumps({"images": karpathy}), encoding="utf-8")


def save_model(path: Path) -> None:
    """The tiny open_clip ``local-dir:`` folder (config + safetensors weights, seeded)."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    path.mkdir(parents=True)
    (path / "open_clip_config.json").write_text(json.dumps(MODEL_CONFIG), encoding="utf-8")
    torch.manual_seed(0)
    model = open_clip.create_model(f"local-dir:{path}", load_weights=False)
    save_file(
        {k: v.contiguous() for k, v in model.state_dict().items()},
        str(path / "open_clip_model.safetensors"),
    )


def _bin(name: str) -> str:
    """The console script next to this interpreter (the venv's), else on PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else name


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"command failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-3000:]}")
    return seconds


def run_cb(args: argparse.Namespace, data: Path, model: Path, out: Path) -> float:
    cmd = [
        _bin("clip_benchmark"),
        "eval",
        "--dataset",
        "mscoco_captions",
        "--dataset_root",
        str(data),
        "--task",
        "zeroshot_retrieval",
        "--model",
        f"local-dir:{model}",
        "--pretrained",
        "",
        "--batch_size",
        str(args.batch_size),
        "--num_workers",
        str(args.cb_workers),
        "--recall_k",
        *map(str, KS),
        "--output",
        str(out),
        "--quiet",
    ]
    return _timed(cmd, dict(os.environ))


def run_embedlab(args: argparse.Namespace, data: Path, model: Path, out: Path, fast: bool) -> float:
    cache = out.parent / f"{out.name}-cache"
    cmd = [
        _bin("embedlab"),
        "run",
        "--model",
        f"open_clip:local-dir:{model}",
        "--task",
        "coco-karpathy",
        "--data-dir",
        str(data),
        "--batch-size",
        str(args.batch_size),
        "--workers",
        str(args.workers),
        "--protocol",
        "t2i",
        "--protocol",
        "i2t",
        "--bootstrap",
        "0",
        "--out",
        str(out),
        "--cache-dir",
        str(cache),
    ]
    if fast:
        cmd.append("--fast-decode")
    return _timed(cmd, {**os.environ, "NO_COLOR": "1"})


def cb_recalls(path: Path) -> dict[str, float]:
    metrics = json.loads(path.read_text(encoding="utf-8"))["metrics"]
    names = {"t2i": "image_retrieval_recall@{}", "i2t": "text_retrieval_recall@{}"}
    return {f"{p}@{k}": float(metrics[n.format(k)]) for p, n in names.items() for k in KS}


def embedlab_recalls(out: Path) -> dict[str, float]:
    rows = json.loads((out / "results.json").read_text(encoding="utf-8"))["metrics"]
    return {
        f"{r['protocol']}@{r['k']}": float(r["value"])
        for r in rows
        if r["metric"].startswith("recall") and r["k"] in KS
    }


def image_vectors(cache: Path) -> np.ndarray:
    """The image embeddings in an embedlab cache folder (one image entry per run here)."""
    for meta in sorted(cache.glob("embeddings/*/meta.json")):
        if json.loads(meta.read_text(encoding="utf-8"))["modality"] == "image":
            shards = sorted(meta.parent.glob("shard-*.npy"))
            return np.concatenate([np.load(s, allow_pickle=False) for s in shards])
    raise SystemExit(f"no image embeddings under {cache}")


def main() -> None:
    args = _args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cold-eval-"))
    data, model = work / "coco", work / "tiny-open-clip"
    if not data.exists():
        print(
            f"generating {args.n_images} images / {args.n_images * args.captions} captions "
            f"in {data}",
            flush=True,
        )
        make_folder(data, args.n_images, args.captions, args.seed)
    if not model.exists():
        save_model(model)
    if not args.no_compile:
        spec = importlib.util.find_spec("embedlab")  # found, not imported
        if spec is None or not spec.submodule_search_locations:
            sys.exit("embedlab is not installed in this environment")
        package = Path(next(iter(spec.submodule_search_locations)))
        ok = compileall.compile_dir(str(package), quiet=1)
        print(f"compiled embedlab's modules to bytecode in {package} (ok={bool(ok)})", flush=True)
    elif os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: embedlab compiles its sources on every start")
    tools = {
        "clip_benchmark": lambda out: run_cb(args, data, model, out),
        "embedlab": lambda out: run_embedlab(args, data, model, out, fast=False),
        "embedlab --fast-decode": lambda out: run_embedlab(args, data, model, out, fast=True),
    }
    times: dict[str, list[float]] = {name: [] for name in tools}
    recalls: dict[str, dict[str, float]] = {}
    vectors: dict[str, np.ndarray] = {}
    for r in range(args.rounds):
        for i, (name, run) in enumerate(tools.items()):
            out = work / f"out-{r}-{i}" if name != "clip_benchmark" else work / f"cb-{r}.json"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(out.parent / f"{out.name}-cache", ignore_errors=True)
            seconds = run(out)
            times[name].append(seconds)
            print(f"round {r + 1}: {name:<24} {seconds:6.2f} s", flush=True)
            recalls[name] = cb_recalls(out) if name == "clip_benchmark" else embedlab_recalls(out)
            if name != "clip_benchmark":
                vectors[name] = image_vectors(out.parent / f"{out.name}-cache")
    load = os.getloadavg()
    best = {name: min(values) for name, values in times.items()}
    print(
        f"\nbest of {args.rounds} ({args.n_images} images, {args.n_images * args.captions} "
        f"captions, batch {args.batch_size}; load avg now {load[0]:.2f} {load[1]:.2f})"
    )
    for name, seconds in best.items():
        ratio = seconds / best["clip_benchmark"]
        print(f"  {name:<24} {seconds:6.2f} s  {ratio:5.2f}x CLIP_benchmark")
    keys = sorted(recalls["clip_benchmark"])
    print(f"\n  {'recall':<24}" + " ".join(f"{k:>8}" for k in keys))
    for name, values in recalls.items():
        print(f"  {name:<24}" + " ".join(f"{values.get(k, float('nan')):8.4f}" for k in keys))
    delta = {k: recalls["embedlab --fast-decode"][k] - recalls["embedlab"][k] for k in keys}
    print(f"  {'fast - exact':<24}" + " ".join(f"{delta[k]:+8.4f}" for k in keys))
    cosine = np.sum(vectors["embedlab"] * vectors["embedlab --fast-decode"], axis=1)
    print(
        f"\nimage embeddings, fast vs exact decoding: cosine mean {cosine.mean():.5f}, "
        f"min {cosine.min():.5f}, identical {int((cosine >= 1 - 1e-6).sum())}/{len(cosine)}"
    )
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
