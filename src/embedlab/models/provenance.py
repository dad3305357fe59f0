"""What to record about a model next to its results: prompts used, weights, Matryoshka dim.

A model source may offer ``describe(spec) -> dict`` (cheap: it must not load the model, so a
re-run whose embeddings are cached stays framework-free). The text sources (``st``,
``hf-text``, ``preset``) do (:func:`embedlab.models.text_settings.describe`); for the others
only the model string is recorded.
"""

from __future__ import annotations

from typing import Any

from embedlab.models.base import ModelSpec
from embedlab.models.registry import get_source


def model_details(spec: ModelSpec) -> dict[str, Any]:
    """``{"model": spec.name, **source.describe(spec)}`` (just the name without ``describe``)."""
    describe = getattr(get_source(spec), "describe", None)
    info: dict[str, Any] = describe(spec) if callable(describe) else {}
    return {"model": spec.name, **info}


def model_notes(details: dict[str, Any]) -> list[str]:
    """One-line notes for the results: the prompts used, and a Matryoshka warning if any."""
    notes = []
    prompts = details.get("prompts")
    if isinstance(prompts, dict):
        origins = details.get("prompt_origins", {})
        shown = "; ".join(
            f"{role} prompt {text!r} ({origins.get(role, '?')})" for role, text in prompts.items()
        )
        notes.append(f"model {details['model']}: {shown}")
    matryoshka = details.get("matryoshka")
    if isinstance(matryoshka, dict) and matryoshka.get("warning"):
        notes.append(str(matryoshka["warning"]))
    return notes
