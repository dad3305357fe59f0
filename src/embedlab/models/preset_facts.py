"""The types of the preset table: :class:`PresetFacts` (a model's published facts) and
:class:`Preset` (a named configuration), and the constants the entries share (normalisations,
the cited mteb / open_clip revisions). The entries are in :mod:`embedlab.models.presets`
(text, MLLM and late-interaction models) and :mod:`embedlab.models.presets_image_text` (the
image–text dual encoders)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class PresetFacts:
    """The published facts of a preset's model (the fact table of ``docs/presets.md``).

    Every field is what the model's authors published (card, config files, paper), with the
    citation in the preset's ``reference``; tests check each against the loaded configuration
    (the ``arch:`` config, or a tiny stand-in built with the same settings).

    Attributes:
        modality: ``image-text`` (dual encoder), ``text`` or ``late-interaction``.
        params: published parameter count (whole model, both towers).
        embedding_dim: output width (per token for a late-interaction model).
        resolution: side of the square image input (None: text only / dynamic).
        interpolation: image resize filter (``bicubic``, ``bilinear``), None for text.
        resize: ``shortest-center-crop`` (resize shortest side, centre crop) or ``squash``.
        mean / std: per-channel normalisation (None for text).
        context_length: text tokens the model reads (longer inputs truncated).
        normalised: the embeddings are L2-normalised before scoring.
        license: SPDX-style id or the license's name as the card gives it.
        weights_gb: download size of the weights the loader fetches (decimal GB).
        arch_id: the ``arch:`` config with the same architecture (random weights, speed only).
    """

    modality: Literal["image-text", "text", "late-interaction"]
    params: int
    embedding_dim: int
    context_length: int
    license: str
    weights_gb: float
    normalised: bool = True
    resolution: int | None = None
    interpolation: str | None = None
    resize: str | None = None
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None
    arch_id: str | None = None


@dataclass(frozen=True)
class Preset:
    """One named model configuration (see the module docstring).

    ``loader`` is the model source the preset stands for: ``st`` / ``hf-text`` load through the
    ``preset`` source (prompts applied), the others are rewritten to ``<loader>:<hub ref>``
    (``open_clip`` as ``open_clip:hf-hub:<hub id>``). ``revision``: the pinned hub commit
    (None when none could be verified; the branch head is then used and recorded).
    ``remote_code``: the repository ships its own modelling code, loaded only with
    ``--trust-remote-code``.
    """

    name: str
    hub_id: str
    loader: Literal["st", "hf-text", "mllm", "hf", "open_clip", "remote"]
    prompts: dict[str, str]
    matryoshka_dims: Collection[int] = ()
    reference: str = ""
    note: str = ""
    pooling: str | None = None
    max_length: int | None = None
    facts: PresetFacts | None = None
    revision: str | None = None
    remote_code: bool = False


#: OpenAI CLIP's normalisation (open_clip ``OPENAI_DATASET_MEAN`` / ``_STD``).
OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
#: SigLIP / PaliGemma / Qwen3-VL: pixels mapped to [-1, 1] (open_clip ``INCEPTION_MEAN``).
HALF = (0.5, 0.5, 0.5)
#: The mteb commit whose ModelMeta entries (revision, parameters, memory) are cited below.
MTEB_COMMIT = "a905523d0111f999360b312bd4a601a0a97a0e1c"
MTEB = "mteb ModelMeta (mteb/models/model_implementations/{}@" + MTEB_COMMIT + ")"
#: open_clip's published model profile (parameter counts, millions).
OPEN_CLIP_PROFILE = "open_clip docs/model_profile.csv@89fb801f1e6087880e951fc8354b8a2077b79c6d"
