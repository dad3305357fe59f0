"""The encoder of MLLM-based embedders: a recipe's template → backbone forward → pooling.

For each item (an image or a text) the prompt is the recipe's template with the instruction in
the system message and the item in the user message (the image as the processor's placeholder,
expanded by the processor to one token per merged patch); the batch is padded on the right and
run through the backbone (``Qwen2VLModel`` / ``Qwen2_5_VLModel`` / ``Qwen3VLModel``, no LM
head). The embedding of item ``i`` is

    last pooling:  e_i = h_i[t_i],  t_i = max{t : mask_i[t] = 1}   (the last attended token)
    mean pooling:  e_i = Σ_t mask_i[t] h_i[t] / Σ_t mask_i[t]

then ``e_i / ||e_i||₂`` when the recipe normalises. Because ``t_i`` comes from the mask and the
positions from the mask too (M-RoPE from the backbone's own index, or ``cumsum(mask) - 1``), an
item's embedding does not depend on the padding side or on what else is in its batch.

Images are grouped into forward passes by a pixel budget (the sum of resized pixel counts in a
pass stays ≤ ``pixel_budget``, at least one image per pass), so large images do not share a
pass with many others. An item longer than the recipe's ``max_length`` is truncated as the card
does (the end of its text is cut; image tokens are never cut) and a :class:`ContextOverflowWarning`
counts such items per call; an item whose image alone overflows is an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models.base import ModelSpec, Role
from embedlab.models.mllm_recipes import Recipe

if TYPE_CHECKING:
    from PIL import Image

VISION_PLACEHOLDER = "<|vision_start|><|image_pad|><|vision_end|>"


class ContextOverflowWarning(UserWarning):
    """Items were longer than the model's context and their text was truncated."""


@dataclass
class MLLMEncoder:
    """A loaded MLLM embedder (see the module docstring)."""

    spec: ModelSpec
    model: Any
    processor: Any
    recipe: Recipe
    pixel_budget: int
    dtype: Any
    #: Tokens and items seen (for the run's tokens-per-item figure).
    tokens: int = field(default=0, init=False)
    items: int = field(default=0, init=False)

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]:
        """Images under the recipe's document instruction."""
        return self.encode_instructed(images, self.recipe.document_instruction)

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> NDArray[np.float32]:
        """Texts under the recipe's default instruction of ``role`` (image–text retrieval)."""
        instruction = self.recipe.document_instruction
        if role == "query":
            defaults = self.recipe.query_instructions
            instruction = defaults.get("image-text-retrieval", instruction)
        return self.encode_instructed(texts, instruction)

    def mean_tokens(self) -> float | None:
        """Mean tokens per item over every call so far (None before the first)."""
        return self.tokens / self.items if self.items else None

    def encode_instructed(
        self, items: Sequence[Image.Image] | Sequence[str], instruction: str
    ) -> NDArray[np.float32]:
        """Embeddings of ``items`` (all images or all texts) under ``instruction``."""
        if not items:
            return np.zeros((0, 0), dtype=np.float32)
        if isinstance(items[0], str):
            texts = [str(item) for item in items]
            return self._forward(texts, None, instruction)
        images = [cast("Image.Image", item) for item in items]
        out = []
        for group in pixel_groups([self._pixels(image) for image in images], self.pixel_budget):
            out.append(self._forward(["" for _ in group], [images[i] for i in group], instruction))
        return np.concatenate(out, axis=0)

    def prompt(self, text: str, has_image: bool, instruction: str) -> str:
        """The recipe's input string of one item."""
        if self.recipe.template == "gme":
            content = (VISION_PLACEHOLDER if has_image else "") + text
            return (
                f"<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n{content}"
                "<|im_end|>\n<|im_start|>assistant\n<|endoftext|>"
            )
        user: list[dict[str, str]] = [{"type": "image"}] if has_image else []
        if text or not has_image:
            user.append({"type": "text", "text": text})
        messages = [
            {"role": "system", "content": [{"type": "text", "text": instruction}]},
            {"role": "user", "content": user},
        ]
        rendered = self.processor.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )
        return str(rendered)

    def _pixels(self, image: Image.Image) -> int:
        """Pixel count of ``image`` after the processor's resize (within min/max pixels)."""
        from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

        processor = self.processor.image_processor
        factor = int(processor.patch_size) * int(processor.merge_size)
        height, width = smart_resize(
            image.height, image.width, factor, self.recipe.min_pixels, self.recipe.max_pixels
        )
        return int(height * width)

    def _inputs(self, texts: list[str], images: list[Any] | None, instruction: str) -> Any:
        prompts = [self.prompt(t, images is not None, instruction) for t in texts]
        kwargs: dict[str, Any] = {"padding": True, "return_tensors": "pt"}
        if images is not None:
            kwargs["images"] = images
            kwargs["size"] = {
                "shortest_edge": self.recipe.min_pixels,
                "longest_edge": self.recipe.max_pixels,
            }
        inputs = self.processor(text=prompts, **kwargs)
        lengths = inputs["attention_mask"].sum(dim=1).tolist()
        over = [i for i, n in enumerate(lengths) if n > self.recipe.max_length]
        if not over:
            return inputs
        for i in over:
            texts[i] = self._cut(texts[i], int(lengths[i]) - self.recipe.max_length, i)
        warnings.warn(
            f"model {self.spec.name}: {len(over)} of {len(texts)} items in this batch exceed "
            f"the {self.recipe.max_length}-token context; the end of their text was cut "
            f"(recipe {self.recipe.name})",
            ContextOverflowWarning,
            stacklevel=4,
        )
        prompts = [self.prompt(t, images is not None, instruction) for t in texts]
        return self.processor(text=prompts, **kwargs)

    def _cut(self, text: str, excess: int, index: int) -> str:
        tokenizer = self.processor.tokenizer
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if excess >= len(ids):
            raise ModelError(
                f"model {self.spec.name}: item {index} of a batch needs {excess} tokens more "
                f"than the {self.recipe.max_length}-token context even without its text; "
                "lower the image resolution (?max_pixels=N)"
            )
        return str(tokenizer.decode(ids[: len(ids) - excess]))

    def _forward(
        self, texts: list[str], images: list[Any] | None, instruction: str
    ) -> NDArray[np.float32]:
        import torch

        from embedlab.models._torch_utils import batch_to

        inputs = self._inputs(texts, images, instruction)
        mask = inputs["attention_mask"]
        self.tokens += int(mask.sum())
        self.items += len(texts)
        device = self.spec.device
        batch = batch_to(dict(inputs), device, self.dtype)
        if self.recipe.positions == "sequential":
            batch["position_ids"] = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
        with torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
        return pool(hidden, batch["attention_mask"], self.recipe.pooling, self.recipe.normalize)


def pool(hidden: Any, mask: Any, pooling: str, normalize: bool) -> NDArray[np.float32]:
    """Last-attended-token or masked-mean pooling of ``hidden`` ``(B, L, H)``; float32 numpy."""
    import torch

    hidden = hidden.float()
    if pooling == "last":
        positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
        last = positions.masked_fill(mask == 0, -1).amax(dim=1)
        vectors = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    else:
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        vectors = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
    if normalize:
        vectors = torch.nn.functional.normalize(vectors, p=2, dim=-1)
    return np.asarray(vectors.cpu().numpy(), dtype=np.float32)


def pixel_groups(pixels: Sequence[int], budget: int) -> list[list[int]]:
    """Consecutive groups of item indices whose pixel sums stay ≤ ``budget`` (≥ 1 item each)."""
    groups: list[list[int]] = []
    total = 0
    for index, count in enumerate(pixels):
        if groups and total + count <= budget:
            groups[-1].append(index)
            total += count
        else:
            groups.append([index])
            total = count
    return groups
