"""The registry of model sources, keyed by the prefix of ``--model SOURCE:REF``.

Each module of :mod:`embedlab.models.sources` registers one source; the registry imports them
all the first time it is asked for a name.
"""

from __future__ import annotations

from embedlab._registry import Registry
from embedlab.models.base import ModelSource, ModelSpec, split_source

MODEL_SOURCES: Registry[ModelSource] = Registry("model source", autoload="embedlab.models.sources")


def parse_model(text: str, **settings: object) -> ModelSpec:
    """Parse ``--model`` text into a :class:`ModelSpec`, checking the source prefix exists.

    A bare preset name (``embeddinggemma-300m?dim=256``) stands for ``preset:<name>``.
    """
    from embedlab.models.presets import preset_model

    source, ref = split_source(preset_model(text))
    MODEL_SOURCES.get(source)  # raises UnknownNameError listing the valid prefixes
    return ModelSpec(source=source, ref=ref, **settings)  # type: ignore[arg-type]


def get_source(spec: ModelSpec) -> ModelSource:
    """The registered source of ``spec`` (``hf``, ``open_clip``, ...).

    Sources that do not parse ``?dim=N`` themselves are wrapped so Matryoshka truncation
    (truncate, then renormalise) works for every model.
    """
    from embedlab.models.matryoshka import MatryoshkaSource

    source = MODEL_SOURCES.get(spec.source)
    return source if source.handles_dim else MatryoshkaSource(source)
