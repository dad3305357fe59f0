"""One Encoder over two tower executors: the shape shared by every non-eager runtime.

:class:`TowerEncoder` runs a model's own preprocessing (numpy arrays), hands the arrays to an
image or text executor (an onnxruntime session, an OpenVINO compiled model, a compiled torch
module...) and L2-normalises the float32 result. Whatever an executor raises becomes a
:class:`~embedlab.errors.BackendError` naming the runtime: this is the runtime boundary.

It implements the prepared interface of :mod:`embedlab.perf.prepared`: the prepared inputs are
the preprocessor's numpy arrays (``prepare_*``), and ``forward_prepared`` is the executor plus
normalisation, so ``embedlab speed`` times preprocessing and the runtime separately. Executors
return host arrays (their calls block until done), so no ``synchronize`` hook is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import BackendError, EmbedlabError
from embedlab.models.base import Modality, ModelSpec, Role
from embedlab.models.prepared import PreparedEncodeMixin
from embedlab.models.vectors import l2_normalize
from embedlab.runtimes.base import Arrays, Preprocessor, RuntimeInfo

if TYPE_CHECKING:
    from PIL import Image

Executor = Callable[[Arrays], NDArray[np.float32]]


@dataclass
class TowerEncoder(PreparedEncodeMixin):
    """An Encoder whose forward passes run in ``run_image`` / ``run_text``.

    Attributes:
        spec: the resolved model spec (its ``runtime`` and ``precision`` are this encoder's).
        preprocessor: the model's own preprocessing (numpy inputs keyed by tower input name).
        run_image: executes the image tower on ``image_arrays`` output, returns ``(N, D)``.
        run_text: executes the text tower on ``text_arrays`` output, returns ``(N, D)``.
        runtime_info: what executes the towers (threads, providers, precision hint...).
    """

    spec: ModelSpec
    preprocessor: Preprocessor
    run_image: Executor
    run_text: Executor
    runtime_info: RuntimeInfo
    _dim: int | None = field(default=None, repr=False)

    def prepare_images(self, images: Sequence[Image.Image]) -> Arrays:
        """The image tower's numpy inputs (``preprocessor.image_arrays``)."""
        return self.preprocessor.image_arrays(images)

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> Arrays:
        """The text tower's numpy inputs (``preprocessor.text_arrays``, ``role`` passed on)."""
        return self.preprocessor.text_arrays(texts, role)

    def forward_prepared(self, modality: Modality, prepared: Arrays) -> NDArray[np.float32]:
        """Run the ``modality`` tower on prepared arrays; unit float32 rows."""
        if modality == "image":
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
        embeddings = l2_normalize(features.reshape(features.shape[0], -1))
        return self._remember(embeddings)
