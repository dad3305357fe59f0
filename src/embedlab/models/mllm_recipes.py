"""The published embedding recipes of MLLM-based embedders: one fact table per model card.

A :class:`Recipe` says how a model card turns an item into a vector with a Qwen-VL backbone:
the input template (the instruction as the system message, the user message holding the image
placeholder then the text, the generation prompt), the default instruction per role and task
kind, the pooling (the hidden state of the last attended token, or the masked mean), whether
the vector is L2-normalised, the image resolution bounds (``min_pixels``/``max_pixels``: the
image is resized, aspect kept, so its pixel count lies between them, in multiples of the merged
patch side), the context limit, and the position ids the card's forward uses.

Every fact carries its citation in :data:`FACTS` (where it was read and what it says); a fact
that could not be checked against the card's own text here is marked ``unverified``. The
hub ids that select a recipe by themselves are in ``Recipe.hub_ids``; a local folder names its
recipe with ``?recipe=NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from embedlab.errors import UnknownNameError
from embedlab.models.instructions import TaskKind

Pooling = Literal["last", "mean"]
#: ``chat``: the processor's chat template (system = instruction, user = [image, text]);
#: ``gme``: the literal string of gme_inference.py (adds ``<|endoftext|>`` after the prompt).
Template = Literal["chat", "gme"]
#: ``mrope``: the backbone's own multimodal rotary positions; ``sequential``: 0..n-1 on every
#: rotary axis (what the GME reference forward computes).
Positions = Literal["mrope", "sequential"]


@dataclass(frozen=True)
class Fact:
    """One recipe fact with its source: ``where`` (URL/path) and ``says`` (what is there)."""

    name: str
    value: str
    where: str
    says: str
    verified: bool = True


@dataclass(frozen=True)
class Recipe:
    """How one model card embeds (see the module docstring)."""

    name: str
    hub_ids: tuple[str, ...]
    template: Template
    document_instruction: str
    query_instructions: dict[TaskKind, str]
    pooling: Pooling
    normalize: bool
    min_pixels: int
    max_pixels: int
    max_length: int
    positions: Positions
    #: A query of a task kind without a default needs ``--query-instruction``.
    requires_query_instruction: bool
    facts: tuple[Fact, ...] = field(default=(), compare=False)


QWEN3_VL_CARD = "https://huggingface.co/Qwen/Qwen3-VL-Embedding-2B"
QWEN3_VL_SCRIPT = (
    "https://github.com/QwenLM/Qwen3-VL-Embedding scripts/qwen3_vl_embedding.py "
    "(read here in copies: github.com/wenchunchia/MultiModal-Search-Qwen3-VL-Embedding- "
    "README_qwen3vl-embedding.md = the card; qwen3_vl_embedding.py copies in public repos)"
)
GME_SCRIPT = (
    "https://huggingface.co/Alibaba-NLP/gme-Qwen2-VL-2B-Instruct/blob/main/gme_inference.py "
    "(read here in copies: TIGER-AI-Lab/VLM2Vec src/model/vlm_backbone/gme/gme_demo.py; "
    "embeddings-benchmark/mteb gme_v_models.py)"
)

QWEN3_VL_EMBEDDING = Recipe(
    name="qwen3-vl-embedding",
    hub_ids=("Qwen/Qwen3-VL-Embedding-2B", "Qwen/Qwen3-VL-Embedding-8B"),
    template="chat",
    document_instruction="Represent the user's input.",
    query_instructions={
        "image-text-retrieval": "Retrieve images or text relevant to the user's query.",
        "text-retrieval": (
            "Given a web search query, retrieve relevant passages that answer the query"
        ),
        "classification": "Represent the user's input.",
        "pair-choice": "Represent the user's input.",
    },
    pooling="last",
    normalize=True,
    min_pixels=4 * 32 * 32,
    max_pixels=1800 * 32 * 32,
    max_length=8192,
    positions="mrope",
    requires_query_instruction=False,
    facts=(
        Fact(
            "template",
            "system=[instruction], user=[image, text], add_generation_prompt",
            QWEN3_VL_CARD,
            "format_input_to_conversation: system message holds the "
            "instruction; user content is the image then the text; "
            "apply_chat_template(add_generation_prompt=True)",
        ),
        Fact(
            "document instruction",
            "Represent the user's input.",
            QWEN3_VL_CARD,
            'default_instruction / instruction: str = "Represent the user\'s input."',
        ),
        Fact(
            "query instruction (image-text)",
            "Retrieve images or text relevant to the user's query.",
            QWEN3_VL_SCRIPT,
            "quoted as the README usage example's query instruction by projects wrapping "
            "the card; the card text read here does not show it",
            verified=False,
        ),
        Fact(
            "query instruction (text retrieval)",
            "Given a web search query, retrieve relevant passages that answer the query",
            QWEN3_VL_CARD,
            "the card recommends task-specific English instructions; this "
            "wording is the Qwen3-Embedding convention, not on this card",
            verified=False,
        ),
        Fact(
            "pooling",
            "last attended token",
            QWEN3_VL_SCRIPT,
            "_pooling_last: the position of the last 1 of attention_mask",
        ),
        Fact("normalisation", "L2", QWEN3_VL_SCRIPT, "F.normalize(embeddings, p=2, dim=-1)"),
        Fact(
            "padding",
            "right",
            QWEN3_VL_SCRIPT,
            "Qwen3VLProcessor.from_pretrained(..., padding_side='right')",
        ),
        Fact(
            "min/max pixels",
            "4*32*32 / 1800*32*32",
            QWEN3_VL_SCRIPT,
            "IMAGE_FACTOR = 16*2; MIN_PIXELS = 4*IMAGE_FACTOR**2; MAX_PIXELS = 1800*"
            "IMAGE_FACTOR**2 (resized by qwen_vl_utils, then the processor with do_resize="
            "False; embedlab lets the image processor resize within the same bounds)",
        ),
        Fact(
            "max length",
            "8192 tokens, truncation=True",
            QWEN3_VL_SCRIPT,
            "MAX_LENGTH = 8192 in the copy quoting the script (another copy sets 2048)",
            verified=False,
        ),
        Fact(
            "backbone",
            "Qwen3VLModel (no remote code)",
            QWEN3_VL_SCRIPT,
            "Qwen3VLForEmbedding wraps transformers' Qwen3VLModel and returns last_hidden_state",
        ),
    ),
)

GME_QWEN2_VL = Recipe(
    name="gme-qwen2-vl",
    hub_ids=("Alibaba-NLP/gme-Qwen2-VL-2B-Instruct", "Alibaba-NLP/gme-Qwen2-VL-7B-Instruct"),
    template="gme",
    document_instruction="You are a helpful assistant.",
    query_instructions={
        "image-text-retrieval": "Find an image that matches the given text.",
        "pair-choice": "Find an image that matches the given text.",
    },
    pooling="last",
    normalize=True,
    min_pixels=256 * 28 * 28,
    max_pixels=1280 * 28 * 28,
    max_length=1800,
    positions="sequential",
    requires_query_instruction=True,
    facts=(
        Fact(
            "template",
            "<|im_start|>system\\n{instruction}<|im_end|>\\n<|im_start|>user\\n{image}{text}"
            "<|im_end|>\\n<|im_start|>assistant\\n<|endoftext|>",
            GME_SCRIPT,
            "GmeQwen2VL.embed builds this string; the image placeholder "
            "<|vision_start|><|image_pad|><|vision_end|> precedes the text",
        ),
        Fact(
            "document instruction",
            "You are a helpful assistant.",
            GME_SCRIPT,
            "default_instruction; 'If is_query=False, we always use the default instruction.'",
        ),
        Fact(
            "query instruction (text-to-image)",
            "Find an image that matches the given text.",
            GME_SCRIPT,
            "the card's example: get_text_embeddings(texts, "
            "instruction='Find an image that matches the given text.')",
        ),
        Fact(
            "query instruction (text retrieval, classification)",
            "none known",
            GME_SCRIPT,
            "the card's evaluations use per-task instructions not listed on the card; "
            "embedlab asks for --query-instruction",
            verified=False,
        ),
        Fact(
            "pooling",
            "last token",
            GME_SCRIPT,
            "forward: last_hidden_state at the last "
            "position of the attention mask (left or right padding)",
        ),
        Fact("normalisation", "L2", GME_SCRIPT, "self.normalize = True; F.normalize(p=2)"),
        Fact("padding", "right", GME_SCRIPT, "processor.tokenizer.padding_side = 'right'"),
        Fact(
            "min/max pixels",
            "256*28*28 / 1280*28*28",
            GME_SCRIPT,
            "min_image_tokens=256, max_image_tokens=1280; min_pixels = min_image_tokens*28*28",
        ),
        Fact("max length", "1800 tokens, truncation=True", GME_SCRIPT, "max_length=1800"),
        Fact(
            "positions",
            "sequential",
            GME_SCRIPT,
            "forward passes inputs_embeds to the "
            "text model without position_ids (transformers < 4.52: plain 0..n-1 on every "
            "rotary axis, not the M-RoPE index)",
            verified=False,
        ),
        Fact(
            "backbone",
            "Qwen2VLModel (no remote code)",
            GME_SCRIPT,
            "GmeQwen2VL = Qwen2VL vision tower + Qwen2VLModel; weights load into "
            "transformers' Qwen2VLModel",
        ),
    ),
)

RECIPES: dict[str, Recipe] = {r.name: r for r in (QWEN3_VL_EMBEDDING, GME_QWEN2_VL)}


def recipe_named(name: str) -> Recipe:
    """The recipe ``name``; :class:`UnknownNameError` lists the known ones."""
    if name not in RECIPES:
        raise UnknownNameError("mllm recipe", name, RECIPES)
    return RECIPES[name]


def recipe_for_hub_id(hub_id: str) -> Recipe | None:
    """The recipe whose card is ``hub_id`` (case-insensitive), or None."""
    wanted = hub_id.lower()
    for recipe in RECIPES.values():
        if any(wanted == known.lower() for known in recipe.hub_ids):
            return recipe
    return None
