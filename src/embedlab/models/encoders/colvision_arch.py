"""``arch:`` ColPali / ColQwen2: random weights in the exact published architecture, for speed.

Built from a shipped config (``models/arch_configs/*.json``, family ``colpali`` or
``colqwen2``): ``ColPaliConfig`` around a PaliGemma config, or ``ColQwen2Config`` around a
Qwen2-VL config, with the checkpoint's numbers (layers, widths, heads, vocabulary, image size,
``embedding_dim``), and the transformers retrieval model (``ColPaliForRetrieval`` /
``ColQwen2ForRetrieval``) with weights drawn under ``torch.manual_seed``. The processor is the
family's own (``ColPaliProcessor`` with a SigLIP PIL image processor at the checkpoint's size,
or ``ColQwen2Processor`` with a Qwen2-VL PIL image processor and the checkpoint's pixel bounds)
over an offline stand-in tokenizer: word level (one token per word or punctuation mark), with
the real ids of the special tokens the prompts use (``<bos>``, ``<image>``, ``<pad>``, ``\\n``,
Qwen's ``<|image_pad|>``...), other words at ids drawn from a stable hash. So the image prompts
have the real token counts (ColPali: 1024 image tokens + 6 = 1030) and queries about one token
per word.

The encoder is the ``hf`` source's own
:class:`~embedlab.models.encoders.colpali.ColVisionEncoder` (same forward pass, masking and
prepared split), so the compute is the real model's; the token vectors mean nothing.

Memory: before building, the model is built on torch's ``meta`` device to count its parameters
(``parameters × bytes(dtype) × 1.2``, :mod:`~embedlab.models.encoders.mllm_memory`), and a CPU
model that would not fit in the available RAM is refused with the estimate.
"""

from __future__ import annotations

import zlib
from typing import Any

from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelSpec
from embedlab.models.encoders.colpali import ColVisionEncoder
from embedlab.models.encoders.mllm_memory import available_bytes, refuse_if_too_big

#: family → (config class, model class, processor class, PIL image processor class).
CLASSES: dict[str, tuple[str, str, str, str]] = {
    "colpali": ("ColPaliConfig", "ColPaliForRetrieval", "ColPaliProcessor",
                "SiglipImageProcessorPil"),
    "colqwen2": ("ColQwen2Config", "ColQwen2ForRetrieval", "ColQwen2Processor",
                 "Qwen2VLImageProcessorPil"),
}  # fmt: skip
#: Words given their own id (anything else is one unknown token, still one token per word).
WORDS = (
    "a an the of on in at to and or with next near by is are this that what which how many "
    "image photo picture page report table chart figure sales revenue total year Question "
    "Query Describe describe small large brown red old wooden white young busy dog man woman "
    "bench bicycle train kitchen table street sitting standing riding looking walking holding "
    "front top beside under user"
)
PUNCTUATION = ". , ' ? : ! - ( ) %"
#: Tokenizer classes per family (both fast tokenizers over a ``tokenizers`` object).
TOKENIZERS = {"colpali": "GemmaTokenizerFast", "colqwen2": "Qwen2TokenizerFast"}
#: The family's (pad, eos, bos, unk) tokens.
ROLES = {
    "colpali": ("<pad>", "<eos>", "<bos>", "<unk>"),
    "colqwen2": ("<|endoftext|>", "<|im_end|>", None, "<unk>"),
}


def stand_in_vocabulary(settings: dict[str, Any]) -> dict[str, int]:
    """Token → id: the special and fixed ids, id ranges (``<loc{:04d}>`` from 256000...),
    then :data:`WORDS` and :data:`PUNCTUATION` at ``low + crc32(word) % (high - low)``."""
    vocab: dict[str, int] = {**settings["special_ids"], **settings.get("fixed_ids", {})}
    for pattern, (start, count) in settings.get("ranges", {}).items():
        vocab.update({pattern.format(i): start + i for i in range(count)})
    low, high = settings["word_ids"]
    for word in (WORDS + " " + PUNCTUATION).split():
        vocab.setdefault(word, low + zlib.crc32(word.encode()) % (high - low))
    return vocab


def stand_in_tokenizer(family: str, settings: dict[str, Any]) -> Any:
    """The word-level fast tokenizer of ``family`` (see the module docstring)."""
    tokenizers = require("tokenizers", purpose="the arch stand-in tokenizer")
    transformers = require("transformers", purpose="the arch stand-in tokenizer")
    pad, eos, bos, unk = ROLES[family]
    core = tokenizers.Tokenizer(
        tokenizers.models.WordLevel(vocab=stand_in_vocabulary(settings), unk_token=unk)
    )
    core.pre_tokenizer = tokenizers.pre_tokenizers.Sequence(
        [tokenizers.pre_tokenizers.WhitespaceSplit(), tokenizers.pre_tokenizers.Punctuation()]
    )
    specials = [t for t in settings["special_ids"] if t not in (pad, eos, bos, unk)]
    roles = {"pad_token": pad, "eos_token": eos, "unk_token": unk}
    if bos is not None:
        roles["bos_token"] = bos
    tokenizer = getattr(transformers, TOKENIZERS[family])(
        tokenizer_object=core, additional_special_tokens=specials, padding_side="right", **roles
    )
    # Newlines are tokens of their own (the prompts end with one); whitespace splitting would
    # drop them, so they are matched before pre-tokenisation.
    newline = [t for t in settings.get("fixed_ids", {}) if t == "\n"]
    tokenizer.add_tokens([tokenizers.AddedToken(t, normalized=False) for t in newline])
    return tokenizer


def model_config(transformers: Any, family: str, model: dict[str, Any]) -> Any:
    """The ``ColPaliConfig`` / ``ColQwen2Config`` of a shipped ``model`` section."""
    return getattr(transformers, CLASSES[family][0])(**model)


def parameter_count(transformers: Any, family: str, config: Any) -> int:
    """Parameters of the retrieval model built on the ``meta`` device (no memory used)."""
    torch = require("torch", purpose="counting parameters")
    with torch.device("meta"):
        model = getattr(transformers, CLASSES[family][1])(config)
    return int(sum(p.numel() for p in model.parameters()))


def build_processor(
    transformers: Any, family: str, image_processor: dict[str, Any], tokenizer: dict[str, Any]
) -> Any:
    """The family's processor: PIL image processor + the stand-in tokenizer."""
    _, _, processor_class, image_class = CLASSES[family]
    images = getattr(transformers, image_class)(**image_processor)
    words = stand_in_tokenizer(family, tokenizer)
    return getattr(transformers, processor_class)(image_processor=images, tokenizer=words)


def build_arch_colvision(
    spec: ModelSpec,
    family: str,
    model: dict[str, Any],
    image_processor: dict[str, Any],
    tokenizer: dict[str, Any],
    seed: int,
) -> ColVisionEncoder:
    """The encoder of a shipped ``colpali`` / ``colqwen2`` architecture (see above).

    Raises:
        ModelError: the CPU model would not fit in the available memory (with the estimate).
    """
    torch = require("torch", purpose=f"building model {spec.name!r}")
    transformers = require("transformers", purpose=f"building model {spec.name!r}")
    config = model_config(transformers, family, model)
    parameters = parameter_count(transformers, family, config)
    refuse_if_too_big(spec.name, parameters, spec.precision, spec.device, available_bytes())
    processor = build_processor(transformers, family, image_processor, tokenizer)
    dtype = torch_dtype(spec.precision)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        retrieval = getattr(transformers, CLASSES[family][1])._from_config(config, dtype=dtype)
    retrieval = move_to_device(retrieval, spec.device, spec.name).eval()
    return ColVisionEncoder(spec, family, retrieval, processor, dtype)
