"""Train ``builtin:shapes-clip``: a tiny CLIP on a training split of the synthetic shapes.

Usage (from the repository root)::

    python training/train_shapes_clip.py --out src/embedlab/models/weights/shapes-clip --seed 0

Steps: write the default evaluation set (200 images, seed 0, split ``test``) and training sets
(full scene sets from other seeds, split ``train``) with embedlab's generator; drop every
training image whose scene occurs in the evaluation set and check the overlap is 0; build the
word-level tokenizer and a randomly initialised CLIPModel; train with symmetric InfoNCE; save the
checkpoint into ``--out``; evaluate it with embedlab's own loading, scoring and metrics; write
``README.md`` (the model card) and ``training_log.json`` next to the weights. ``--card-only``
rewrites ``README.md`` from an existing ``training_log.json`` (after editing the card template).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from shapes_clip_card import environment, print_results, write_card
from shapes_clip_data import eval_keys, make_eval_set, make_train_set, overlap, train_seeds
from shapes_clip_eval import evaluate, load_encoder
from shapes_clip_model import Architecture, build_model, build_tokenizer, save_checkpoint
from shapes_clip_train import Schedule, check_preprocessing, train

LOG_NAME = "training_log.json"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="checkpoint folder to write")
    parser.add_argument("--seed", type=int, default=0, help="seed of everything (default 0)")
    parser.add_argument("--train-sets", type=int, default=8, help="generator seeds to train on")
    parser.add_argument("--steps", type=int, default=Schedule.steps)
    parser.add_argument("--batch-size", type=int, default=Schedule.batch_size)
    parser.add_argument("--lr", type=float, default=Schedule.lr)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    parser.add_argument(
        "--card-only",
        action="store_true",
        help="only rewrite README.md from the training_log.json already in --out",
    )
    return parser.parse_args()


def main() -> None:
    """Run the whole recipe (see the module docstring)."""
    args = _args()
    if args.card_only:
        write_card(args.out, json.loads((args.out / LOG_NAME).read_text(encoding="utf-8")))
        return
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    started, cpu_started = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="shapes-clip-") as tmp:
        work = args.work or Path(tmp)
        eval_dir = make_eval_set(work)
        excluded = eval_keys(eval_dir)
        seeds = train_seeds(args.seed, args.train_sets)
        data = make_train_set(work, seeds, excluded)
        shared = overlap(set(data.scene_keys), excluded)
        print(
            f"eval: 200 images, {len(excluded)} scenes (seed 0); train: {len(data.captions)} "
            f"images of {data.n_scenes} scenes from seeds {seeds} "
            f"({data.n_generated - len(data.captions)} generated images dropped); "
            f"scene overlap train/eval = {shared}"
        )
        if shared:
            raise SystemExit("training and evaluation scenes overlap; refusing to train")
        torch.manual_seed(args.seed)
        rng = np.random.default_rng(args.seed)
        arch = Architecture()
        tokenizer = build_tokenizer(text for caps in data.captions for text in caps)
        model = build_model(tokenizer, arch)
        schedule = Schedule(
            steps=args.steps, batch_size=args.batch_size, lr=args.lr, warmup=args.steps // 20
        )
        data_seconds = time.perf_counter() - started
        history = train(model, tokenizer, data, schedule, rng)
        train_seconds = time.perf_counter() - started - data_seconds
        save_checkpoint(args.out, model, tokenizer)
        encoder = load_encoder(args.out)
        check_preprocessing(encoder, data.pixels[:16])
        results = evaluate(encoder, eval_dir, work / "cache")
    record = {
        "seed": args.seed,
        "train_seeds": seeds,
        "eval_set": {"n_images": 200, "seed": 0, "split": "test", "image_size": 64},
        "train_images": len(data.captions),
        "train_scenes": data.n_scenes,
        "dropped_images": data.n_generated - len(data.captions),
        "scene_overlap": shared,
        "architecture": arch.as_dict(),
        "vocab_size": len(tokenizer),
        "parameters": sum(p.numel() for p in model.parameters()),
        "schedule": vars(schedule),
        "history": history,
        "seconds": {
            "data": round(data_seconds, 1),
            "train": round(train_seconds, 1),
            "total": round(time.perf_counter() - started, 1),
            "cpu": round(time.process_time() - cpu_started, 1),
        },
        "environment": environment(args.threads),
        "results": results,
    }
    print_results(record)
    (args.out / LOG_NAME).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    write_card(args.out, record)
    print(f"wrote {args.out} ({_size_mb(args.out):.2f} MB)")


def _size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 2**20


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
