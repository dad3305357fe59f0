"""One Encoder over its tower executors: the shape shared by every non-eager runtime.

:class:`TowerEncoder` runs a model's own preprocessing (numpy arrays), hands the arrays to an
image or text executor (an onnxruntime session, an OpenVINO compiled model, a compiled torch
module...) and L2-normalises the float32 result (unless the model scores raw dot products).
:func:`build_tower_encoder` assembles one from a model's
:class:`~embedlab.models.exportable.TowerLayout`: a text-only
model has no image executor (its image methods raise ModelError), and its text executor is
followed by the layout's numpy ``text_head`` (pooling of token embeddings). Whatever an
executor raises becomes a :class:`~embedlab.errors.BackendError` naming the runtime: this is the
runtime boundary.

It implements the prepared interface of :mod:`embedlab.perf.call_stages`: the prepared inputs are
the preprocessor's numpy arrays (``prepare_*``), and ``forward_prepared`` is the executor plus
normalisation, so ``embedlab speed`` times preprocessing and the runtime separately. Executors
return host arrays (their calls block until done), so no ``synchronize`` hook is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import BackendError, EmbedlabError
from embedlab.models.base import Encoder, Modality, ModelSpec, Role
from embedlab.models.exportable import Arrays, Preprocessor, TextHead
from embedlab.models.prepared_encode import PreparedEncodeMixin
from embedlab.models.text_towers import text_only_error
from embedlab.models.vectors import l2_normalize
from embedlab.runtimes.base import RuntimeInfo
from embedlab.runtimes.loader import Reference

if TYPE_CHECKING:
    from PIL import Image

Executor = Callable[[Arrays], NDArray[np.float32]]


@dataclass
class TowerEncoder(PreparedEncodeMixin):
    """An Encoder whose forward passes run in ``run_image`` / ``run_text``.

    Attributes:
        spec: the resolved model spec (its ``runtime`` and ``precision`` are this encoder's).
        preprocessor: the model's own preprocessing (numpy inputs keyed by tower input name).
        run_image: executes the image tower on ``image_arrays`` output, returns ``(N, D)``;
            None for a text-only model.
        run_text: executes the text tower on ``text_arrays`` output, returns ``(N, D)``.
        runtime_info: what executes the towers (threads, providers, precision hint...).
        normalize: L2-normalise the outputs (False: raw vectors of a dot-product model).
    """

    spec: ModelSpec
    preprocessor: Preprocessor
    run_image: Executor | None
    run_text: Executor
    runtime_info: RuntimeInfo
    normalize: bool = True
    _dim: int | None = field(default=None, repr=False)

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]:
        """Unit float32 image embeddings; a text-only model raises :class:`ModelError`."""
        if self.run_image is None:
            raise text_only_error(self.spec.name)
        return super().encode_images(images)

    def prepare_images(self, images: Sequence[Image.Image]) -> Arrays:
        """The image tower's numpy inputs (``preprocessor.image_arrays``)."""
        return self.preprocessor.image_arrays(images)

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> Arrays:
        """The text tower's numpy inputs (``preprocessor.text_arrays``, ``role`` passed on)."""
        return self.preprocessor.text_arrays(texts, role)

    def forward_prepared(self, modality: Modality, prepared: Arrays) -> NDArray[np.float32]:
        """Run the ``modality`` tower on prepared arrays; float32 rows (unit unless dot)."""
        if modality == "image":
            if self.run_image is None:
                raise text_only_error(self.spec.name)
            return self._execute("image", self.run_image, prepared)
        return self._execute("text", self.run_text, prepared)

    def _execute(self, tower: str, run: Executor, arrays: Arrays) -> NDArray[np.float32]:
        try:
            features = np.asarray(run(arrays), dtype=np.float32)
        except EmbedlabError:
            raise
        except Exception as exc:
            raise BackendError(
                f"--runtime {self.spec.runtime} failed running the {tower} tower of "
                f"{self.spec.name!r} at --precision {self.spec.precision}: {exc}"
            ) from exc
        features = features.reshape(features.shape[0], -1)
        return self._remember(l2_normalize(features) if self.normalize else features)


def build_tower_encoder(
    spec: ModelSpec,
    reference: Reference,
    runners: Mapping[Modality, Executor],
    info: RuntimeInfo,
) -> Encoder:
    """The runtime's encoder of ``reference``: its layout applied, Matryoshka on top.

    Args:
        spec: the spec as requested (runtime, precision, ``?dim=``).
        reference: the loaded torch model (preprocessing, layout) and its Matryoshka dim.
        runners: one executor per tower of the layout, raw tower outputs.
        info: what executes them.
    """
    exportable, layout = reference.encoder, reference.layout
    run_text = runners["text"]
    if layout.text_head is not None:
        run_text = _with_head(run_text, layout.text_head)
    encoder = TowerEncoder(
        spec,
        exportable.preprocessor(),
        runners.get("image"),
        run_text,
        info,
        normalize=layout.normalize,
    )
    return reference.wrap(spec, encoder)


def _with_head(run: Executor, head: TextHead) -> Executor:
    def run_and_pool(arrays: Arrays) -> NDArray[np.float32]:
        return head(run(arrays), arrays)

    return run_and_pool
