"""The model card (``README.md``) of ``shapes-clip``, and the console summary of a training run."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import numpy as np
import tokenizers
import torch
import transformers

PROTOCOL_NOTES = {
    "t2i": "each caption retrieves its image among all images",
    "t2i-first": "first caption of each image only",
    "i2t": "each image; hit if any of its captions is in the top K of all captions",
    "i2t-symmetric": "each image against the first caption of every image",
}


def environment(threads: int) -> dict[str, Any]:
    """Hardware and software of this run."""
    return {
        "cpu": _cpu_name(),
        "logical_cpus": os.cpu_count(),
        "torch_threads": threads,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "numpy": np.__version__,
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def retrieval_table(results: dict[str, Any]) -> list[str]:
    """Markdown rows: protocol, R@1/5/10 and chance, in percent."""
    rows = [
        "| protocol | queries | R@1 | R@5 | R@10 | chance R@1 / R@5 / R@10 |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for protocol, note in PROTOCOL_NOTES.items():
        r = results["retrieval"][protocol]
        rec, ch = r["recall"], r["chance"]
        chance = " / ".join(_pct(ch[k]) for k in ("1", "5", "10"))
        rows.append(
            f"| `{protocol}` ({note}) | {r['n']} | {_pct(rec['1'])} | {_pct(rec['5'])} "
            f"| {_pct(rec['10'])} | {chance} |"
        )
    return rows


def choice_table(results: dict[str, Any]) -> list[str]:
    """Markdown rows of the caption-choice accuracies and shapes-pairs scores."""
    rows = ["| true caption vs | items | accuracy | chance |", "|---|---:|---:|---:|"]
    for kind, r in results["caption_choice"].items():
        rows.append(f"| {kind} caption | {r['n']} | {_pct(r['accuracy'])} | 50.0 |")
    rows += [
        "",
        "| shapes-pairs tag | pairs | text | image | group |",
        "|---|---:|---:|---:|---:|",
    ]
    for tag, r in results["shapes_pairs"].items():
        rows.append(
            f"| {tag} | {r['n']} | {_pct(r['text'])} | {_pct(r['image'])} | {_pct(r['group'])} |"
        )
    rows.append("| chance | | 25.0 | 25.0 | 16.7 |")
    return rows


def print_results(record: dict[str, Any]) -> None:
    """Print time, hardware and the evaluation tables."""
    env, sec = record["environment"], record["seconds"]
    print(
        f"time: data {sec['data']}s, training {sec['train']}s, total {sec['total']}s wall, "
        f"{sec['cpu']}s CPU (process); {env['cpu']}, {env['logical_cpus']} logical CPUs, "
        f"{env['torch_threads']} torch threads, load average {env['load_average_at_end']}"
    )
    print("\n".join(retrieval_table(record["results"])))
    print("\n".join(choice_table(record["results"])))


def write_card(out: Path, record: dict[str, Any]) -> None:
    """Write ``out/README.md`` from the record of a training run."""
    template = (Path(__file__).with_name("shapes_clip_card.md")).read_text(encoding="utf-8")
    env, sec, arch = record["environment"], record["seconds"], record["architecture"]
    size_mb = (out / "model.safetensors").stat().st_size / 2**20
    text = template.format(
        seed=record["seed"],
        train_seeds=", ".join(str(s) for s in record["train_seeds"]),
        train_images=record["train_images"],
        train_scenes=record["train_scenes"],
        dropped=record["dropped_images"],
        overlap=record["scene_overlap"],
        parameters=f"{record['parameters']:,}",
        size_mb=f"{size_mb:.2f}",
        vocab=record["vocab_size"],
        schedule=", ".join(f"{k}={v}" for k, v in record["schedule"].items()),
        final_loss=f"{record['history'][-1][1]:.3f}",
        final_scale=f"{record['history'][-1][2]:.1f}",
        retrieval="\n".join(retrieval_table(record["results"])),
        choice="\n".join(choice_table(record["results"])),
        env=env,
        sec=sec,
        arch=arch,
    )
    (out / "README.md").write_text(text, encoding="utf-8")
