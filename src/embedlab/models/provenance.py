"""What to record about a model next to its results: prompts used, weights, Matryoshka dim.

A model source's ``describe(spec)`` (:class:`~embedlab.models.base.ModelSource`) is cheap: it
must not load the model, so a re-run whose embeddings are cached stays framework-free. The text
sources (``st``, ``hf-text``, ``preset``) describe their models
(:func:`embedlab.models.text_settings.describe`); the others return None (the default), and
only the model string is recorded.
"""

from __future__ import annotations

from typing import Any

from embedlab.models.base import ModelSpec
from embedlab.models.registry import get_source


def model_details(spec: ModelSpec) -> dict[str, Any]:
    """``{"model": spec.name, **source.describe(spec)}`` (just the name when it returns None)."""
    info = get_source(spec).describe(spec) or {}
    return {"model": spec.name, **info}
