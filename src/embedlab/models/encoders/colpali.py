"""ColPali and ColQwen2 multi-vector encoders on transformers' native classes.

``ColPaliForRetrieval`` + ``ColPaliProcessor`` and ``ColQwen2ForRetrieval`` +
``ColQwen2Processor`` (transformers >= 4.52; colpali-engine is not used). The checkpoint's
``config.json`` ``model_type`` (``colpali`` / ``colqwen2``) picks the family before anything is
loaded (:mod:`~embedlab.models.encoders.colvision_checkpoint`); any other architecture is
refused in one line naming what is supported.

**Not registered as a model source yet**: :func:`load_colpali` is the entry point the ``hf:``
source will call once multi-vector models are wired into ``embedlab run`` / ``speed`` (it
returns a :class:`~embedlab.models.multivector.MultiVectorEncoder`).

What an item's token matrix is. The model's output for a batch is ``(B, L, D)``: every position
projected to ``D`` (128 for the published checkpoints) and L2-normalised, then multiplied by the
attention mask. An item's matrix is its rows where ``attention_mask == 1``, in order:

- **queries** (``role`` is ignored: these models have one text form): the processor's prompt
  ``<bos>Question: {text}`` + 10 augmentation tokens + ``\\n`` for ColPali, ``Query: {text}`` +
  10 augmentation tokens + ``\\n`` for ColQwen2. The augmentation tokens are the pad token
  written into the text, so the mask marks them real and they are kept: ``score_retrieval``
  fed the model's output sums over every position, and masked positions there are zero vectors
  that add exactly 0 (``max_s <0, d_s> = 0``), so it effectively scores exactly the mask-1
  tokens, prefix, augmentation and newline included;
- **images**: every mask-1 position of the visual prompt (the image tokens, then
  ``<bos>Describe the image.\\n`` for ColPali, or the chat-style prompt around the
  ``<|image_pad|>`` tokens for ColQwen2, whose image-token count depends on the image size).
  Padding rows are dropped; ``score_retrieval`` on zero-padded documents would let a zero row
  win a ``max`` whenever a query token's best real similarity is negative.

Padding goes on the right (the tokenizer's ``padding_side`` is set at load; PaliGemma's
defaults to the left). Either way the attention mask hides padding from the real tokens and the
rotary positions are relative, so an item's matrix does not depend on the batch it is encoded
in (tested: alone and next to longer items, to 2e-5). Images go through the PIL image processor
(transformers 5's ``backend="pil"``), which resizes like the original pipelines.

Loading goes through :mod:`embedlab.models._loading` (one-line errors, Hub probe) and
:mod:`embedlab.models.weights_check`: a local folder must hold a weights file, and a checkpoint
that leaves a tensor unloaded, has one the model lacks, or has one of the wrong shape is refused.
Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, ModelError
from embedlab.models._loading import loading, require_hub
from embedlab.models._torch_utils import batch_to, move_to_device, require, torch_dtype
from embedlab.models.base import Modality, ModelSpec, Precision, Role
from embedlab.models.checkpoint_files import checkpoint_location, where_hint
from embedlab.models.encoders.colvision_checkpoint import FAMILIES, family_of, read_config
from embedlab.models.encoders.mllm_memory import (
    available_bytes,
    hub_parameters,
    refuse_if_too_big,
    safetensors_parameters,
)
from embedlab.models.weights_check import (
    TRANSFORMERS_WEIGHT_FILES,
    LoadReport,
    refuse_partial_load,
    require_weights_file,
)

if TYPE_CHECKING:
    from PIL import Image

TORCH_PRECISIONS = ("fp32", "bf16", "fp16")
#: Processor outputs the retrieval models do not take (training labels).
_NOT_INPUTS = ("labels",)


def _pil_backend(transformers: Any) -> dict[str, Any]:
    major = int(str(transformers.__version__).split(".")[0])
    return {"backend": "pil"} if major >= 5 else {"use_fast": False}


@dataclass
class ColVisionEncoder:
    """A ColPali / ColQwen2 model behind :class:`~embedlab.models.multivector.MultiVectorEncoder`.

    ``encode_*`` is ``forward_prepared(modality, prepare_*(batch))``, so a speed harness can
    time preprocessing apart from the model, as for dense encoders.
    """

    spec: ModelSpec
    family: str
    model: Any
    processor: Any
    dtype: Any

    @property
    def token_dim(self) -> int:
        return int(self.model.config.embedding_dim)

    def prepare_images(self, images: Sequence[Image.Image]) -> dict[str, Any]:
        """Processor output for ``images`` (made RGB), as host tensors."""
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        return self._inputs(self.processor.process_images(images=rgb))

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> dict[str, Any]:
        """Processor query prompts for ``texts`` (``role`` is ignored: one text form)."""
        return self._inputs(self.processor.process_queries(text=list(texts)))

    def forward_prepared(self, modality: Modality, prepared: dict[str, Any]) -> MultiVectors:
        """Forward pass; each item's mask-1 rows, float32 (see the module docstring)."""
        torch = require("torch", purpose=f"running model {self.spec.name!r}")
        inputs = batch_to(prepared, self.spec.device, self.dtype)
        with torch.inference_mode():
            embeddings = self.model(**inputs).embeddings
        tokens = embeddings.detach().float().cpu().numpy()
        mask = prepared["attention_mask"].cpu().numpy().astype(bool)
        if not np.isfinite(tokens[mask]).all():
            raise ModelError(
                f"model {self.spec.name!r} produced non-finite {modality} token embeddings "
                f"(precision {self.spec.precision}); try --precision fp32"
            )
        return MultiVectors.from_items([t[m] for t, m in zip(tokens, mask, strict=True)])

    def encode_images(self, images: Sequence[Image.Image]) -> MultiVectors:
        if not images:
            return MultiVectors.from_items([], dim=self.token_dim)
        return self.forward_prepared("image", self.prepare_images(images))

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> MultiVectors:
        if not texts:
            return MultiVectors.from_items([], dim=self.token_dim)
        return self.forward_prepared("text", self.prepare_texts(texts, role))

    def _inputs(self, batch: Any) -> dict[str, Any]:
        return {k: v for k, v in dict(batch).items() if k not in _NOT_INPUTS}


def load_colpali(
    path_or_id: str,
    *,
    precision: Precision = "fp32",
    device: str = "cpu",
    batch_size: int = 4,
    source: str = "hf",
    revision: str | None = None,
) -> ColVisionEncoder:
    """Load a ColPali / ColQwen2 checkpoint (hub id or local folder) as a multi-vector encoder.

    ``revision``: the Hub revision to load (None: the branch head).

    Raises:
        ModelError: not a ColPali/ColQwen2 checkpoint (one line naming what is supported), no
            config.json, a folder without a weights file, weights that do not match the model,
            the Hub needed but unreachable, or a CPU model whose memory estimate (parameters
            from the safetensors headers × dtype bytes × 1.2) exceeds the available RAM.
        ConfigError: a precision torch cannot run (int8), or an unusable device.
        MissingDependencyError: torch or transformers is not installed.
    """
    spec = ModelSpec(source, path_or_id, precision, device, batch_size)
    if precision not in TORCH_PRECISIONS:
        raise ConfigError(
            f"--precision {precision} is not a torch precision (model {spec.name!r}); "
            f"choose one of {', '.join(TORCH_PRECISIONS)}"
        )
    location = checkpoint_location(path_or_id, spec.name)
    pinned = {} if revision is None else {"revision": revision}
    if not Path(location).exists():
        require_hub(spec.name, location, revision=revision)
    transformers = require("transformers", purpose=f"loading model {spec.name!r}")
    config = read_config(location, spec.name, revision)
    family = family_of(config, spec.name)
    if Path(location).is_dir():
        require_weights_file(Path(location), spec.name, TRANSFORMERS_WEIGHT_FILES)
        parameters = safetensors_parameters(Path(location))
    else:
        parameters = hub_parameters(location, str(config.get("torch_dtype", "bfloat16")))
    if parameters is not None:  # parameters × dtype bytes × 1.2 against the available RAM
        refuse_if_too_big(spec.name, parameters, precision, device, available_bytes())
    model_class, processor_class = (getattr(transformers, n) for n in FAMILIES[family])
    hint = f"{where_hint(location)}; the processor files are saved with processor.save_pretrained"
    with loading(spec.name, "processor", hint):
        processor = processor_class.from_pretrained(
            location, **_pil_backend(transformers), **pinned
        )
    processor.tokenizer.padding_side = "right"  # see the module docstring
    dtype = torch_dtype(precision)
    with loading(spec.name, "weights", where_hint(location)):
        model, info = model_class.from_pretrained(
            location,
            dtype=dtype,
            output_loading_info=True,
            ignore_mismatched_sizes=True,
            **pinned,
        )
    refuse_partial_load(spec.name, LoadReport.from_transformers(info))
    model = move_to_device(model, device, spec.name).eval()
    return ColVisionEncoder(spec, family, model, processor, dtype)
