"""Output parity of every runtime × precision against torch fp32, on a ViT-B/16-sized CLIP.

Model: a transformers ``CLIPModel`` with ViT-B/16 vision dimensions (224 px, patch 16, width 768,
12 layers, 12 heads) and CLIP's text dimensions (width 512, 12 layers, 8 heads, 77 positions,
49,408-token vocabulary), 512-d projections, randomly initialised with a fixed seed — nothing is
downloaded. The tokenizer is a byte-level BPE over the bytes alone (no merges), so ids are valid
but texts are longer in tokens than with CLIP's real vocabulary. It is saved to a temporary
folder and loaded through the ``hf`` source like any checkpoint.

For each runtime × precision the script loads the encoder with :func:`load_encoder` (cold: this
includes the ONNX export, quantization or IR conversion the first time; exports are cached in a
temporary folder, or ``--cache-dir``), embeds the same images and texts, and prints the mean and
minimum cosine of each embedding with the torch fp32 one (:func:`embedlab.runtimes.parity`) and
the wall time of the encode calls (one untimed warm-up call first; a rough figure, not the
``embedlab speed`` protocol).

Caveat: random weights are not trained weights; activation ranges (which drive int8 and bf16
error) differ. Treat the numbers as a check that every path computes the same function, and
measure parity on the real checkpoint before trusting a quantized deployment.

Usage::

    python benchmarks/bench_runtime_parity.py [--n 16] [--threads 2] [--cache-dir DIR]
        [--exporter dynamo|torchscript] [--combos onnxruntime:int8 openvino:bf16 ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from embedlab.models.registry import parse_model
from embedlab.runtimes import RuntimeOptions, load_encoder, parity

COMBOS = (
    "torch:bf16",
    "torch:fp16",
    "onnxruntime:fp32",
    "onnxruntime:int8",
    "openvino:fp32",
    "openvino:bf16",
    "openvino:fp16",
    "openvino:int8",
)
VOCABULARY = "a photo of the small red dog cat sitting on green grass next to blue car house"


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=16, help="images and texts to embed")
    p.add_argument("--threads", type=int, default=None, help="intra-op threads (all runtimes)")
    p.add_argument("--cache-dir", type=Path, default=None, help="export cache (default: temp)")
    p.add_argument("--exporter", choices=["dynamo", "torchscript"], default="dynamo")
    p.add_argument("--combos", nargs="+", default=list(COMBOS), help="runtime:precision list")
    return p.parse_args()


def save_vit_b16_clip(folder: Path) -> None:
    """Save a randomly initialised ViT-B/16-sized CLIP with a byte-level tokenizer."""
    import torch
    from tokenizers import pre_tokenizers
    from transformers import (
        CLIPConfig,
        CLIPImageProcessor,
        CLIPModel,
        CLIPProcessor,
        CLIPTokenizer,
    )

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tokens = [*alphabet, *(f"{ch}</w>" for ch in alphabet), "<|startoftext|>", "<|endoftext|>"]
    vocab = {token: i for i, token in enumerate(tokens)}
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)
    eos = vocab["<|endoftext|>"]
    text = {
        "hidden_size": 512,
        "intermediate_size": 2048,
        "num_hidden_layers": 12,
        "num_attention_heads": 8,
        "max_position_embeddings": 77,
        "vocab_size": 49408,
        "bos_token_id": vocab["<|startoftext|>"],
        "eos_token_id": eos,
        "pad_token_id": eos,
    }
    vision = {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "image_size": 224,
        "patch_size": 16,
    }
    config = CLIPConfig(text_config=text, vision_config=vision, projection_dim=512)
    torch.manual_seed(0)
    CLIPModel(config).eval().save_pretrained(folder)
    processor = CLIPImageProcessor(
        size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224}
    )
    CLIPProcessor(image_processor=processor, tokenizer=tokenizer).save_pretrained(folder)


def make_inputs(n: int) -> tuple[list[Image.Image], list[str]]:
    """``n`` smooth random images of varied sizes and ``n`` texts of 2 to 12 words."""
    rng = np.random.default_rng(0)
    images = []
    for _ in range(n):
        h, w = rng.integers(160, 400, size=2)
        ramp = np.linspace(0, 1, w)[None, :, None] * np.linspace(0, 1, h)[:, None, None]
        pixels = np.clip(ramp * rng.random(3) + 0.5 * rng.random((h, w, 3)), 0, 1)
        images.append(Image.fromarray((255 * pixels).astype(np.uint8)))
    words = VOCABULARY.split()
    texts = [" ".join(rng.choice(words, size=rng.integers(2, 13))) for _ in range(n)]
    return images, texts


def embed(encoder: Any, images: list[Image.Image], texts: list[str]) -> tuple[Any, Any, float]:
    """Image and text embeddings (after one warm-up call each) and the encode wall time."""
    encoder.encode_images(images[:2])
    encoder.encode_texts(texts[:2])
    start = time.perf_counter()
    result = encoder.encode_images(images), encoder.encode_texts(texts)
    return result[0], result[1], time.perf_counter() - start


def main() -> None:
    args = _args()
    with tempfile.TemporaryDirectory(prefix="embedlab-parity-") as scratch:
        folder = Path(scratch) / "clip-vit-b16-random"
        start = time.perf_counter()
        save_vit_b16_clip(folder)
        print(f"built random ViT-B/16 CLIP in {time.perf_counter() - start:.1f}s")
        options = RuntimeOptions(
            cache_dir=args.cache_dir or Path(scratch) / "cache",
            threads=args.threads,
            exporter=args.exporter,
        )
        images, texts = make_inputs(args.n)
        reference = load_encoder(parse_model(f"hf:{folder}"), options)
        ref_images, ref_texts, seconds = embed(reference, images, texts)
        header = f"{'runtime':<12} {'prec':<5} {'load s':>7} {'encode s':>8}"
        print(f"{header} {'img mean':>10} {'img min':>10} {'txt mean':>10} {'txt min':>10}")
        print(f"{'torch':<12} {'fp32':<5} {'-':>7} {seconds:>8.2f} {'reference':>10}")
        for combo in args.combos:
            runtime, _, precision = combo.partition(":")
            spec = parse_model(f"hf:{folder}", runtime=runtime, precision=precision)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                encoder = load_encoder(spec, options)
            load = time.perf_counter() - start
            out_images, out_texts, seconds = embed(encoder, images, texts)
            (im, imin), (tm, tmin) = parity(ref_images, out_images), parity(ref_texts, out_texts)
            row = f"{runtime:<12} {precision:<5} {load:>7.1f} {seconds:>8.2f}"
            print(f"{row} {im:>10.6f} {imin:>10.6f} {tm:>10.6f} {tmin:>10.6f}", flush=True)
            del encoder


if __name__ == "__main__":
    main()
