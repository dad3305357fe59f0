"""The Encoder contract and the model specification every model source receives.

An :class:`Encoder` turns a batch of PIL images or strings into float32 embeddings, L2-normalised
unless the model says otherwise. Everything model-specific (preprocessing, tokenisation, prompts,
pooling, ``trust_remote_code``) hides behind it. Batching across a dataset, caching, NaN checks
and progress bars belong to the engine, not to encoders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError

if TYPE_CHECKING:
    from PIL import Image

    from embedlab.models.multivector import MultiVectorEncoder

Precision = Literal["fp32", "bf16", "fp16", "int8"]
Role = Literal["query", "document"]
#: Which tower of a dual encoder a call runs (see :mod:`embedlab.perf.call_stages`).
Modality = Literal["image", "text"]
PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "fp16", "int8")


@dataclass(frozen=True)
class ModelSpec:
    """What the user asked for, resolved.

    Attributes:
        source: registry name of the model source (``hf``, ``open_clip``, ``fake``, ...).
        ref: the source-specific reference (hub id, local path, ``arch/pretrained``, ...).
        precision: compute dtype of the forward pass.
        device: torch device string (``cpu``, ``cuda``, ``cuda:1``).
        batch_size: items per forward pass.
        trust_remote_code: only ever True when the user passed the flag.
        runtime: what executes the forward pass (``torch``, ``onnxruntime``, ``openvino``);
            a runtime refuses precisions it does not support (int8 is not a torch precision).
    """

    source: str
    ref: str
    precision: Precision = "fp32"
    device: str = "cpu"
    batch_size: int = 32
    trust_remote_code: bool = False
    runtime: str = "torch"

    @property
    def name(self) -> str:
        """The source string the user typed, e.g. ``hf:openai/clip-vit-base-patch16``."""
        return f"{self.source}:{self.ref}"

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ConfigError(
                f"--precision {self.precision!r} is not supported; "
                f"choose one of {', '.join(PRECISIONS)}"
            )
        if self.batch_size < 1:
            raise ConfigError(f"--batch-size must be at least 1, got {self.batch_size}")


def split_source(text: str) -> tuple[str, str]:
    """Split ``"hf:openai/clip"`` into ``("hf", "openai/clip")``.

    Raises:
        ConfigError: if there is no ``source:`` prefix.
    """
    source, sep, ref = text.partition(":")
    if not sep or not source or not ref:
        from embedlab.errors import did_you_mean
        from embedlab.models.presets import PRESETS

        hint = did_you_mean(text.partition("?")[0], PRESETS)
        raise ConfigError(
            f"--model {text!r} is neither a preset name{hint} nor SOURCE:REF "
            "(e.g. hf:openai/clip-vit-base-patch16); 'embedlab list' shows the presets and sources"
        )
    return source, ref


@runtime_checkable
class Encoder(Protocol):
    """A loaded model that embeds images and/or texts.

    Both methods take one batch and return a float32 array of shape ``(len(batch), D)``.
    ``role`` selects query or document prompts for models that have them; image–text models
    ignore it.
    """

    spec: ModelSpec

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]: ...

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> NDArray[np.float32]: ...


#: Provenance of a model for the results: JSON-ready values (strings, numbers, nested dicts).
ModelDetails = dict[str, object]


class ModelSource(Protocol):
    """A family of models addressed by one prefix (``hf:``, ``open_clip:``...).

    ``fingerprint`` must be cheap and must not import a deep-learning framework: it identifies
    the weights for the embedding cache (so a re-run whose embeddings are cached never loads
    the model). ``load`` builds the :class:`Encoder`.

    The other members describe the family; :class:`SourceDefaults` gives each its default:

    - ``speed_only``: the weights are random (``arch:``), so quality tasks refuse the model;
    - ``handles_dim``: the source parses ``?dim=N`` itself; otherwise the registry wraps it in
      :class:`~embedlab.models.matryoshka.MatryoshkaSource`;
    - ``describe``: provenance recorded next to the results (prompts, weights, Matryoshka
      dim), or None; cheap like ``fingerprint`` (it must not load the model);
    - ``late_interaction``: the model is multi-vector (ColPali, ColQwen2): cheap like
      ``fingerprint`` (reads at most the checkpoint's ``config.json``, never a framework);
      such a model loads with ``load_tokens`` (a
      :class:`~embedlab.models.multivector.MultiVectorEncoder`), and ``load`` refuses it,
      since an :class:`Encoder` returns one vector per item.
    """

    @property
    def speed_only(self) -> bool: ...

    @property
    def handles_dim(self) -> bool: ...

    def fingerprint(self, spec: ModelSpec) -> str: ...

    def load(self, spec: ModelSpec) -> Encoder: ...

    def describe(self, spec: ModelSpec) -> ModelDetails | None: ...

    def late_interaction(self, spec: ModelSpec) -> bool: ...

    def load_tokens(self, spec: ModelSpec) -> MultiVectorEncoder: ...


class SourceDefaults:
    """The defaults of the optional :class:`ModelSource` members; sources subclass it."""

    speed_only: bool = False
    handles_dim: bool = False

    def describe(self, spec: ModelSpec) -> ModelDetails | None:
        """No provenance beyond the model string."""
        return None

    def late_interaction(self, spec: ModelSpec) -> bool:
        """Dense: one vector per item."""
        return False

    def load_tokens(self, spec: ModelSpec) -> MultiVectorEncoder:
        """Refused: the source has no multi-vector models."""
        raise ConfigError(
            f"model {spec.name!r} is a dense model (one vector per item), not a multi-vector "
            "(late-interaction) model; multi-vector models are ColPali/ColQwen2 checkpoints "
            "(hf:vidore/colpali-v1.3-hf)"
        )
