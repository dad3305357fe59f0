"""The runtime registry, its options, and what a model must expose to be exported.

A runtime is a factory ``(spec, options) -> Encoder`` registered in :data:`RUNTIMES` under the
name users pass as ``--runtime`` (``torch``, ``onnxruntime``, ``openvino``). Every runtime
returns the same :class:`~embedlab.models.base.Encoder` interface.

Runtimes other than eager torch need the model's *towers*: a model encoder is
:class:`Exportable` when it offers

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

Tower outputs are unnormalised; :class:`~embedlab.runtimes.towers.TowerEncoder` L2-normalises
(unless the layout says the model scores raw dot products).

Two optional methods describe models that differ from an image–text dual encoder:

- ``tower_layout()`` — a :class:`TowerLayout`: which towers exist, a numpy step after the text
  tower (text models export ``last_hidden_state`` and pool it in numpy), and whether outputs are
  L2-normalised. Without it: both towers, no step, normalised.
- ``export_identity()`` — the parts of the export cache key naming the exported graph. Without
  it: the model string and the source's weights fingerprint. Text models return a prompt-free
  identity (prompts are applied in tokenisation, never in the graph), so one export serves all
  prompt, ``max_length`` and ``?dim=`` options of the same weights.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from embedlab._registry import Registry
from embedlab.models.base import Encoder, Modality, ModelSpec, Role

if TYPE_CHECKING:
    from PIL import Image

Exporter = Literal["dynamo", "torchscript"]
Arrays = dict[str, NDArray[Any]]


@dataclass(frozen=True)
class RuntimeOptions:
    """Settings of a runtime that are not part of the model spec.

    Attributes:
        cache_dir: root of embedlab's cache; exports are kept under ``<cache_dir>/exports/``.
            ``None`` uses :func:`embedlab.config.default_cache_dir`.
        threads: intra-op threads of onnxruntime/openvino; ``None`` uses torch's thread count
            (so every runtime gets the same number of threads).
        compile: torch runtime only: run the towers through ``torch.compile`` (default off).
        exporter: ``dynamo`` (``torch.export``-based, the default) or ``torchscript`` (legacy
            tracing exporter, for models ``torch.export`` cannot capture).
        opset: ONNX opset of the export.
    """

    cache_dir: Path | None = None
    threads: int | None = None
    compile: bool = False
    exporter: Exporter = "dynamo"
    opset: int = 18

    def exports_dir(self) -> Path:
        """``<cache_dir>/exports``."""
        if self.cache_dir is not None:
            return self.cache_dir / "exports"
        from embedlab.config import default_cache_dir

        return default_cache_dir() / "exports"


RuntimeFactory = Callable[[ModelSpec, RuntimeOptions], Encoder]

#: Runtime factories by ``--runtime`` name; each module of this package registers its own.
RUNTIMES: Registry[RuntimeFactory] = Registry("runtime", autoload="embedlab.runtimes")


class Preprocessor(Protocol):
    """A model's preprocessing with numpy outputs (see the module docstring)."""

    def image_arrays(self, images: Sequence[Image.Image]) -> Arrays: ...

    def text_arrays(self, texts: Sequence[str], role: Role = "query") -> Arrays: ...


@runtime_checkable
class Exportable(Protocol):
    """A loaded model encoder whose towers can be exported or compiled."""

    spec: ModelSpec

    def preprocessor(self) -> Preprocessor: ...

    def image_tower(self) -> Any: ...

    def text_tower(self) -> Any: ...


TextHead = Callable[[NDArray[Any], Arrays], NDArray[np.float32]]


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


def tower_layout(encoder: Exportable) -> TowerLayout:
    """``encoder.tower_layout()`` if it has one, else the image–text default."""
    method = getattr(encoder, "tower_layout", None)
    layout = method() if callable(method) else None
    return layout if isinstance(layout, TowerLayout) else TowerLayout()


@dataclass(frozen=True)
class RuntimeInfo:
    """What executes an encoder's forward pass, for the run log and speed reports.

    Attributes:
        runtime: the runtime name.
        precision: the precision as requested (``int8`` means what the runtime documents).
        device: where it runs.
        threads: intra-op threads (``None`` when the runtime picks).
        settings: everything else that shapes speed or outputs (providers, precision hints,
            quantization scheme, export folder, exporter, versions).
    """

    runtime: str
    precision: str
    device: str
    threads: int | None
    settings: Mapping[str, str] = field(default_factory=dict)


def runtime_info(encoder: Encoder) -> RuntimeInfo:
    """What executes ``encoder``: its own ``runtime_info``, else eager torch's description."""
    info = getattr(encoder, "runtime_info", None)
    if isinstance(info, RuntimeInfo):
        return info
    spec = encoder.spec
    torch = sys.modules.get("torch")
    threads = int(torch.get_num_threads()) if torch is not None else None
    return RuntimeInfo(spec.runtime, spec.precision, spec.device, threads, {"mode": "eager"})
