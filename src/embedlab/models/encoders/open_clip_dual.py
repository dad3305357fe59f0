"""The encoder of the ``open_clip`` source: a model, its eval transform and its tokenizer.

:class:`OpenClipEncoder` implements the prepared interface of :mod:`embedlab.perf.call_stages`:
``prepare_*`` runs the eval transform / tokenizer on the host (torch tensors), and
``forward_prepared`` copies them to the device, runs ``encode_image`` / ``encode_text`` and
normalises; ``encode_*`` is exactly ``forward_prepared(prepare_*)``. The same two helpers,
:func:`image_tensor` and :func:`text_tensor`, feed :class:`OpenClipPreprocessor` (numpy, for
exported runtimes), so every runtime gets the same inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from embedlab.models._torch_utils import method_module, require, to_unit_numpy
from embedlab.models.base import Modality, ModelSpec, Role
from embedlab.models.exportable import ExportableDefaults
from embedlab.models.pixel_recipe import PixelRecipe, recipe_of_transform
from embedlab.models.prepared_encode import PreparedEncodeMixin

if TYPE_CHECKING:
    from PIL import Image


def image_tensor(preprocess: Any, images: Sequence[Image.Image], model_name: str) -> Any:
    """The eval transform of each image, stacked: a float32 ``(N, 3, H, W)`` host tensor."""
    torch = require("torch", purpose=f"preprocessing images for {model_name!r}")
    return torch.stack([preprocess(image) for image in images])


def text_tensor(tokenizer: Any, texts: Sequence[str]) -> Any:
    """Token ids, an int ``(N, context_length)`` host tensor (open_clip uses no mask)."""
    return tokenizer(list(texts))


@dataclass(frozen=True)
class OpenClipPreprocessor:
    """open_clip's eval transform and tokenizer with numpy outputs (for exported runtimes)."""

    preprocess: Any
    tokenizer: Any
    model_name: str

    def image_arrays(self, images: Sequence[Image.Image]) -> dict[str, NDArray[Any]]:
        """``pixel_values``: float32 ``(N, 3, H, W)``."""
        pixels = image_tensor(self.preprocess, images, self.model_name)
        return {"pixel_values": np.ascontiguousarray(pixels.float().numpy())}

    def text_arrays(self, texts: Sequence[str], role: Role = "query") -> dict[str, NDArray[Any]]:
        """``input_ids``: int64 ``(N, context_length)`` (no mask; ``role`` is ignored)."""
        tokens = text_tensor(self.tokenizer, texts)
        return {"input_ids": np.ascontiguousarray(tokens.numpy(), dtype=np.int64)}


@dataclass
class OpenClipEncoder(PreparedEncodeMixin, ExportableDefaults):
    """An open_clip model behind the Encoder API.

    Attributes:
        spec: the resolved model spec.
        model: the open_clip model (``encode_image`` / ``encode_text``), in eval mode.
        preprocess: open_clip's eval transform, one PIL image → ``(C, H, W)`` tensor.
        tokenizer: ``open_clip.get_tokenizer(...)``, list of str → ``(N, context_length)``.
        input_dtype: dtype images are cast to (``None`` keeps float32).
    """

    spec: ModelSpec
    model: Any
    preprocess: Any
    tokenizer: Any
    input_dtype: Any = None
    _dim: int | None = field(default=None, repr=False)

    def prepare_images(self, images: Sequence[Image.Image]) -> Any:
        """The eval transform of each image, stacked on the host (float32 ``(N, 3, H, W)``)."""
        return image_tensor(self.preprocess, images, self.spec.name)

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> Any:
        """Token ids on the host (``role`` is ignored: no prompts for image–text models)."""
        return text_tensor(self.tokenizer, texts)

    def forward_prepared(self, modality: Modality, prepared: Any) -> NDArray[np.float32]:
        """Unit float32 embeddings of prepared inputs (to device, forward, normalise).

        Images are cast to ``input_dtype``; token ids keep their integer dtype.
        """
        torch = require("torch", purpose=f"running model {self.spec.name!r}")
        if modality == "image":
            inputs = prepared.to(device=self.spec.device, dtype=self.input_dtype)
            run = self.model.encode_image
        else:
            inputs, run = prepared.to(self.spec.device), self.model.encode_text
        with torch.inference_mode():
            return self._unit(run(inputs))

    def pixel_recipe(self) -> PixelRecipe | None:
        """The eval transform as a torch-free recipe (None: a transform it cannot express)."""
        return recipe_of_transform(self.preprocess)

    def forward_pixels(self, pixels: NDArray[np.float32]) -> NDArray[np.float32]:
        """Embeddings of stacked recipe outputs: ``forward_prepared`` on them as a tensor."""
        torch = require("torch", purpose=f"running model {self.spec.name!r}")
        if len(pixels) == 0:
            return self._empty()
        return self.forward_prepared("image", torch.from_numpy(np.ascontiguousarray(pixels)))

    def preprocessor(self) -> OpenClipPreprocessor:
        """This encoder's preprocessing, producing numpy inputs (for exported runtimes)."""
        return OpenClipPreprocessor(self.preprocess, self.tokenizer, self.spec.name)

    def image_tower(self) -> Any:
        """``pixel_values → (N, D)`` unnormalised features, as a torch module (for export)."""
        return method_module(self.model, "encode_image")

    def text_tower(self) -> Any:
        """``input_ids → (N, D)`` unnormalised features, as a torch module (for export)."""
        return method_module(self.model, "encode_text")

    def _unit(self, features: Any) -> NDArray[np.float32]:
        embeddings = to_unit_numpy(features)
        return self._remember(embeddings)
