"""``arch:`` MLLM embedders: random weights in the exact backbone of a card, for speed.

Built from a shipped config (``models/arch_configs/*.json``, family ``qwen3_vl``): the
transformers backbone in the spec's dtype with weights drawn under ``torch.manual_seed``, the
family's image processor with the card's patch/merge sizes and the recipe's pixel bounds, and an
offline stand-in tokenizer — a word-level ``Qwen2TokenizerFast`` whose special tokens have Qwen's
ids (one token per word or punctuation mark; other words map into the vocabulary by a stable
hash). The encoder is :class:`~embedlab.models.encoders.mllm.MLLMEncoder` with the card's
recipe, so prompting, resolution, pooling and batching are those of the ``mllm`` source and the
compute is the real model's. Before building, parameters × dtype bytes are checked against the
available memory (the model is first built on torch's ``meta`` device to count them).
"""

from __future__ import annotations

import zlib
from typing import Any

from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelSpec
from embedlab.models.encoders.mllm import MLLMEncoder
from embedlab.models.encoders.mllm_memory import available_bytes, refuse_if_too_big
from embedlab.models.mllm_recipes import recipe_named

#: The Qwen chat layout (system, user = image placeholder then text, generation prompt).
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_COMMON = (
    "a an the of on in at to and or with next near by is are this that image photo picture "
    "system user assistant represent user's input retrieve images text relevant query find "
    "small large brown red old wooden white young busy dog man woman bench bicycle train "
    "kitchen table street sitting standing riding looking walking holding front top beside "
    "under . , ' ? : ! -"
)


def stand_in_tokenizer(special_ids: dict[str, int], vocab_size: int) -> Any:
    """A word-level ``Qwen2TokenizerFast`` with Qwen's special ids (see module docstring)."""
    tokenizers = require("tokenizers", purpose="the arch stand-in tokenizer")
    transformers = require("transformers", purpose="the arch stand-in tokenizer")
    models, pre_tokenizers = tokenizers.models, tokenizers.pre_tokenizers

    low = 1000
    vocab = {"<unk>": 0, **special_ids}
    for word in _COMMON.split():
        vocab.setdefault(word, low + zlib.crc32(word.encode()) % (min(special_ids.values()) - low))
    core = tokenizers.Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()]
    )
    tokenizer = transformers.Qwen2TokenizerFast(
        tokenizer_object=core,
        unk_token="<unk>",
        pad_token="<|endoftext|>",
        eos_token="<|im_end|>",
        additional_special_tokens=[t for t in special_ids if t != "<|endoftext|>"],
        padding_side="right",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def parameter_count(transformers: Any, config: Any) -> int:
    """Parameters of the backbone built on the ``meta`` device (no memory used)."""
    torch = require("torch", purpose="counting parameters")
    with torch.device("meta"):
        model = transformers.Qwen3VLModel(config)
    return int(sum(p.numel() for p in model.parameters()))


def build_arch_mllm(
    spec: ModelSpec,
    model: dict[str, Any],
    image_processor: dict[str, Any],
    tokenizer: dict[str, Any],
    recipe_name: str,
    seed: int,
) -> MLLMEncoder:
    """The encoder of a shipped ``qwen3_vl`` architecture (random weights, see above)."""
    torch = require("torch", purpose=f"building model {spec.name!r}")
    transformers = require("transformers", purpose=f"building model {spec.name!r}")
    recipe = recipe_named(recipe_name)
    config = transformers.Qwen3VLConfig(**model)
    parameters = parameter_count(transformers, config)
    refuse_if_too_big(spec.name, parameters, spec.precision, spec.device, available_bytes())
    dtype = torch_dtype(spec.precision)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        backbone = transformers.Qwen3VLModel._from_config(config, dtype=dtype)
    size = {"shortest_edge": recipe.min_pixels, "longest_edge": recipe.max_pixels}
    images = transformers.Qwen2VLImageProcessor(size=size, **image_processor)
    video = transformers.Qwen3VLVideoProcessor(size=size, **image_processor)
    words = stand_in_tokenizer(dict(tokenizer["special_ids"]), config.text_config.vocab_size)
    processor = transformers.Qwen3VLProcessor(
        image_processor=images,
        tokenizer=words,
        video_processor=video,
        chat_template=CHAT_TEMPLATE,
    )
    return MLLMEncoder(
        spec=spec,
        model=move_to_device(backbone, spec.device, spec.name).eval(),
        processor=processor,
        recipe=recipe,
        pixel_budget=4 * recipe.max_pixels,
        dtype=dtype,
    )
