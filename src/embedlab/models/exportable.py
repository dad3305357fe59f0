"""What a model encoder exposes so a runtime can export or compile it: its *towers*.

Runtimes other than eager torch (ONNX Runtime, OpenVINO, torch.compile) need the model's
towers: a model encoder is :class:`Exportable` when it offers

- ``image_tower()`` — a ``torch.nn.Module``, ``forward(pixel_values) -> (N, D)`` features
  (text-only models raise :class:`~embedlab.errors.ModelError`);
- ``text_tower()`` — a ``torch.nn.Module``, ``forward(input_ids[, attention_mask]) -> (N, D)``
  (text-only models: ``forward(input_ids, attention_mask[, token_type_ids]) -> (N, L, H)``
  token embeddings, pooled by the layout's ``text_head``);
- ``preprocessor()`` — a :class:`Preprocessor`, the encoder's *own* preprocessing and
  tokenisation producing the numpy inputs of those towers (keys = tower input names, in
  ``forward`` order), so an exported runtime is fed exactly what the torch model is fed;
  ``text_arrays(texts, role)`` applies the role's prompt for models that have one (image–text
  models ignore ``role``).

Tower outputs are unnormalised; the runtime's own encoder L2-normalises them (unless the layout
says the model scores raw dot products). The runtimes layer sits above this one: it imports
these contracts, never the reverse.

Two members describe models that differ from an image–text dual encoder;
:class:`ExportableDefaults` gives their defaults:

- ``tower_layout()`` — a :class:`TowerLayout`: which towers exist, a numpy step after the text
  tower (text models export ``last_hidden_state`` and pool it in numpy), and whether outputs are
  L2-normalised. Default: both towers, no step, normalised.
- ``export_identity()`` — the parts of the export cache key naming the exported graph.
  Default: the model string and the source's weights fingerprint. Text models return a
  prompt-free identity (prompts are applied in tokenisation, never in the graph), so one export
  serves all prompt, ``max_length`` and ``?dim=`` options of the same weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from embedlab.models.base import Modality, ModelSpec, Role

if TYPE_CHECKING:
    from PIL import Image

#: Numpy inputs of a tower, keyed by input name in ``forward`` order.
Arrays = dict[str, NDArray[Any]]
#: ``(text tower output, text_arrays) -> (N, D)`` float32, in numpy.
TextHead = Callable[[NDArray[Any], Arrays], NDArray[np.float32]]


class Preprocessor(Protocol):
    """A model's preprocessing with numpy outputs (see the module docstring)."""

    def image_arrays(self, images: Sequence[Image.Image]) -> Arrays: ...

    def text_arrays(self, texts: Sequence[str], role: Role = "query") -> Arrays: ...


@dataclass(frozen=True)
class TowerLayout:
    """Which towers a model has and what runs after them (see the module docstring).

    Attributes:
        modalities: the towers that exist and are exported (``image``, ``text``).
        text_head: ``(text tower output, text_arrays) -> (N, D)`` in numpy, or None when the
            tower already outputs ``(N, D)`` features.
        normalize: whether embeddings are L2-normalised (False for raw dot-product models).
    """

    modalities: tuple[Modality, ...] = ("image", "text")
    text_head: TextHead | None = None
    normalize: bool = True


@runtime_checkable
class Exportable(Protocol):
    """A loaded model encoder whose towers can be exported or compiled."""

    spec: ModelSpec

    def preprocessor(self) -> Preprocessor: ...

    def image_tower(self) -> Any: ...

    def text_tower(self) -> Any: ...

    def tower_layout(self) -> TowerLayout: ...

    def export_identity(self) -> dict[str, str]: ...


class ExportableDefaults:
    """The defaults of :class:`Exportable`'s ``tower_layout`` and ``export_identity``.

    An image–text dual encoder subclasses it as is; text-only encoders override both
    (:class:`~embedlab.models.text_towers.TextTowersMixin`).
    """

    spec: ModelSpec

    def tower_layout(self) -> TowerLayout:
        """Both towers, ``(N, D)`` features straight out of them, L2-normalised."""
        return TowerLayout()

    def export_identity(self) -> dict[str, str]:
        """The model string and its source's weights fingerprint."""
        from embedlab.models.registry import get_source

        spec = self.spec
        return {"model": spec.name, "weights": get_source(spec).fingerprint(spec)}
