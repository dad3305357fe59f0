"""An image–text dual encoder whose modelling code ships with its repository (Jina-CLIP-v1).

Driven the way the model card and the repository's own ``encode_text`` / ``encode_image``
(``modeling_clip.py`` of ``jinaai/jina-clip-implementation``) drive it:

- text: the repository's tokenizer with ``padding=True, truncation=True, max_length=L``
  (``L`` = 512, ``encode_text``'s default, or ``?max_length=``), passed as the whole
  ``BatchEncoding`` to ``model.get_text_features(input_ids=...)`` (Jina-CLIP takes the ids from
  it and builds its attention mask from the pad id);
- images: made RGB, then the repository's image processor (``AutoImageProcessor``, its own
  class: resize, crop, mean/std), whose ``BatchFeature`` goes to
  ``model.get_image_features(...)``;
- output: ``f(x) / ||f(x)||₂`` as float32 (``normalize_embeddings=True``, the card's default).

:class:`RemoteCodeEncoder` implements the prepared interface of
:mod:`embedlab.perf.call_stages` (``prepare_*`` on the host, ``forward_prepared`` the model), so
``embedlab speed`` times tokenisation and preprocessing apart. It is not exportable to ONNX
Runtime / OpenVINO (the towers are the repository's code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from embedlab.models._torch_utils import require, to_unit_numpy
from embedlab.models.base import Modality, ModelSpec, Role
from embedlab.models.prepared_encode import PreparedEncodeMixin

if TYPE_CHECKING:
    from PIL import Image

#: ``encode_text``'s default token limit in Jina-CLIP's ``modeling_clip.py``.
DEFAULT_MAX_LENGTH = 512


@dataclass
class RemoteCodeEncoder(PreparedEncodeMixin):
    """A remote-code dual encoder behind the Encoder API (see the module docstring)."""

    spec: ModelSpec
    model: Any
    tokenizer: Any
    image_processor: Any
    dtype: Any
    max_length: int = DEFAULT_MAX_LENGTH
    _dim: int | None = field(default=None, repr=False)

    def prepare_images(self, images: Sequence[Image.Image]) -> Any:
        """The repository's image processor output (a ``BatchFeature``), images made RGB."""
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        return self.image_processor(rgb)

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> Any:
        """The tokenizer's ``BatchEncoding`` (padded to the longest, truncated to
        ``max_length``). ``role`` is ignored: Jina-CLIP-v1 takes no prompts."""
        return self.tokenizer(
            list(texts),
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.max_length,
        )

    def forward_prepared(self, modality: Modality, prepared: Any) -> NDArray[np.float32]:
        """Unit float32 embeddings: ``get_image_features`` / ``get_text_features``, normalised."""
        torch = require("torch", purpose=f"running model {self.spec.name!r}")
        batch = prepared.to(self.spec.device)
        with torch.inference_mode():
            if modality == "image":
                batch["pixel_values"] = batch["pixel_values"].to(self.dtype)
                features = self.model.get_image_features(batch)
            else:
                features = self.model.get_text_features(input_ids=batch)
        return self._remember(to_unit_numpy(features))
