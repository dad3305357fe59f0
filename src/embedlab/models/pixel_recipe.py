"""An encoder's image preprocessing as plain data, run by PIL and numpy alone (no torch).

A :class:`PixelRecipe` is what a torchvision eval transform of the common form does to an RGB
PIL image — resize (shorter edge to ``S``, or to ``(H, W)``), centre crop, ``ToTensor``,
``Normalize`` — written as frozen, picklable values, so worker processes that never import torch
can produce the encoder's exact inputs (:mod:`embedlab.embedding.decode_pool`). Each step
calls what torchvision calls for a PIL image, in the same order and precision, so the result is
bit-identical to ``transform(image)`` (tested against torchvision):

- resize to ``S``: ``short' = S``, ``long' = int(S · long / short)``;
  ``image.resize((w', h'), resample)`` (Pillow, antialiased); to ``(H, W)``: that size;
- centre crop ``(h, w)`` of an ``(H, W)`` image: ``top = int(round((H − h) / 2))``,
  ``left = int(round((W − w) / 2))``; an image smaller than the crop is first padded with 0
  (``⌊d/2⌋`` before, ``⌈d/2⌉`` after), as torchvision does;
- ``x = float32(uint8) / 255`` as ``(3, H, W)``, then ``(x − mean) / std`` in float32.

:func:`recipe_of_transform` reads a torchvision ``Compose`` and returns its recipe, or None
when any step is something else (the caller then keeps the in-process path).
:class:`PixelEncoder` is the optional encoder side: ``pixel_recipe()`` and
``forward_pixels(pixels)`` with ``encode_images(x) == forward_pixels(stack(recipe(x_i)))``.

``draft_size`` gives what JPEG draft decoding (``--fast-decode``) may reduce an image to without
going below what the first resize needs: Pillow then decodes at 1/2, 1/4 or 1/8 scale (DCT
scaling), approximately, so fast pixels differ from exact ones (opt-in, measured).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from PIL import Image

#: ``("resize", size, resample)`` with size ``(S,)`` (shorter edge) or ``(H, W)``, or
#: ``("crop", (h, w), 0)``.
Step = tuple[str, tuple[int, ...], int]


@dataclass(frozen=True)
class PixelRecipe:
    """Geometric steps, then ``(x / 255 − mean) / std`` as float32 ``(3, H, W)``."""

    steps: tuple[Step, ...]
    mean: tuple[float, ...] | None
    std: tuple[float, ...] | None

    def apply(self, image: Image.Image) -> NDArray[np.float32]:
        """The recipe on one RGB image: float32 ``(3, H, W)``."""
        for name, size, resample in self.steps:
            image = _resize(image, size, resample) if name == "resize" else _crop(image, size)
        pixels: NDArray[np.float32] = np.asarray(image, dtype=np.uint8).astype(np.float32)
        pixels = pixels / np.float32(255)
        pixels = np.ascontiguousarray(pixels.transpose(2, 0, 1))
        if self.mean is not None and self.std is not None:
            mean = np.asarray(self.mean, dtype=np.float32).reshape(-1, 1, 1)
            std = np.asarray(self.std, dtype=np.float32).reshape(-1, 1, 1)
            pixels = (pixels - mean) / std
        return pixels

    def draft_size(self) -> tuple[int, int] | None:
        """``(w, h)`` a draft decode must keep at least (None: no resize comes first)."""
        if not self.steps or self.steps[0][0] != "resize":
            return None
        size = self.steps[0][1]
        return (size[0], size[0]) if len(size) == 1 else (size[1], size[0])


@runtime_checkable
class PixelEncoder(Protocol):
    """An encoder whose image preprocessing is a :class:`PixelRecipe` (see module docstring)."""

    def pixel_recipe(self) -> PixelRecipe | None: ...

    def forward_pixels(self, pixels: NDArray[np.float32]) -> NDArray[np.float32]: ...


def resized_size(width: int, height: int, size: tuple[int, ...]) -> tuple[int, int]:
    """torchvision's output ``(w, h)`` of a resize of a ``width × height`` image to ``size``."""
    if len(size) == 2:
        return size[1], size[0]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size[0], int(size[0] * long / short)
    return (new_short, new_long) if width <= height else (new_long, new_short)


def _resize(image: Image.Image, size: tuple[int, ...], resample: int) -> Image.Image:
    target = resized_size(image.width, image.height, size)
    if target == image.size:  # torchvision returns the image untouched
        return image
    return image.resize(target, resample)


def _crop(image: Image.Image, size: tuple[int, ...]) -> Image.Image:
    from PIL import ImageOps

    crop_h, crop_w = size
    width, height = image.size
    if crop_w > width or crop_h > height:
        pad_w, pad_h = max(crop_w - width, 0), max(crop_h - height, 0)
        border = (pad_w // 2, pad_h // 2, (pad_w + 1) // 2, (pad_h + 1) // 2)
        image = ImageOps.expand(image, border=border, fill=0)
        width, height = image.size
        if (crop_w, crop_h) == (width, height):
            return image
    top = round((height - crop_h) / 2.0)
    left = round((width - crop_w) / 2.0)
    return image.crop((left, top, left + crop_w, top + crop_h))


def recipe_of_transform(transform: Any) -> PixelRecipe | None:
    """The recipe of a torchvision ``Compose`` of the supported steps, else None.

    Supported, in this order: any ``Resize`` (no ``max_size``) / ``CenterCrop``, RGB conversions
    (open_clip's ``MaybeConvertMode("RGB")`` or ``_convert_to_rgb``: no-ops on the RGB images
    the engine decodes), ``ToTensor`` (or a subclass), then at most one ``Normalize``.
    """
    from torchvision import transforms as tv
    from torchvision.transforms.functional import pil_modes_mapping

    steps: list[Step] = []
    norm: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    tensor = False
    for step in getattr(transform, "transforms", None) or ():
        if isinstance(step, tv.Normalize) and tensor and norm is None:
            norm = (_floats(step.mean), _floats(step.std))
        elif tensor:
            return None  # anything after ToTensor but one Normalize
        elif isinstance(step, tv.ToTensor):
            tensor = True
        elif isinstance(step, tv.Resize) and step.max_size is None:
            size = (step.size,) if isinstance(step.size, int) else tuple(step.size)
            if step.interpolation not in pil_modes_mapping or len(size) not in (1, 2):
                return None
            steps.append(
                ("resize", tuple(int(s) for s in size), pil_modes_mapping[step.interpolation])
            )
        elif isinstance(step, tv.CenterCrop):
            steps.append(("crop", tuple(int(s) for s in step.size), 0))
        elif not _is_rgb_conversion(step):
            return None
    if not tensor:
        return None
    return PixelRecipe(tuple(steps), *(norm if norm is not None else (None, None)))


def _is_rgb_conversion(step: Any) -> bool:
    if type(step).__name__ == "MaybeConvertMode":
        return getattr(step, "mode", None) == "RGB"
    return getattr(step, "__name__", None) == "_convert_to_rgb"


def _floats(values: Sequence[float] | Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
