"""What a text model is run with: weights location, prompts per role, pooling, dim, length.

Shared by the ``st:``, ``hf-text:`` and ``preset:`` sources; never imports a framework, so the
same settings give the cheap fingerprint (embedding cache key) and the provenance recorded in the
results (:func:`describe`).

**Prompt of a role** (``query`` or ``document``), first match wins:

1. the ``query_prompt=`` / ``document_prompt=`` option of the model string (origin ``option``;
   an empty value means no prompt);
2. the preset's prompt (origin ``preset:<name>``);
3. for ``st:`` models, the model's own sentence-transformers config
   (``config_sentence_transformers.json``): for ``query`` the non-empty ``prompts["query"]``;
   for ``document`` the first non-empty of ``prompts["document"]``, ``["passage"]``,
   ``["corpus"]``; else the prompt named by ``default_prompt_name`` (origin ``model``);
4. no prompt (origin ``none``).

The prompt is prepended to the text (sentence-transformers passes it as ``prompt=``, so models
whose pooling excludes the prompt tokens keep doing so).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from embedlab.models.base import Role
from embedlab.models.matryoshka import untrained_message
from embedlab.models.text_weights import WeightsLocation, local_file

ROLES: tuple[Role, ...] = ("query", "document")
_ROLE_KEYS: dict[Role, tuple[str, ...]] = {
    "query": ("query",),
    "document": ("document", "passage", "corpus"),
}
ST_CONFIG = "config_sentence_transformers.json"


@dataclass(frozen=True)
class TextSettings:
    """Everything that decides a text model's embeddings besides the weights' bytes.

    Attributes:
        source: ``st`` or ``hf-text`` (the loader actually used).
        where: the resolved weights location.
        overrides: prompts given as options, by role.
        preset: name of the preset these settings come from, if any.
        preset_prompts: the preset's prompts by role (empty when not a preset).
        dim: Matryoshka dimension, or None for full size.
        trained_dims: dims the model was trained to be truncated to (None: unknown).
        max_length: token limit override, or None for the model's own.
        pooling: ``mean`` / ``cls`` / ``last`` for ``hf-text``; None for ``st``.
    """

    source: str
    where: WeightsLocation
    overrides: dict[str, str] = field(default_factory=dict)
    preset: str | None = None
    preset_prompts: dict[str, str] = field(default_factory=dict)
    dim: int | None = None
    trained_dims: Collection[int] | None = None
    max_length: int | None = None
    pooling: str | None = None


def role_prompt_from_config(config: Mapping[str, Any], role: Role) -> str:
    """The prompt of ``role`` defined by a sentence-transformers config (rule 3), or ``""``."""
    prompts = config.get("prompts") or {}
    for key in _ROLE_KEYS[role]:
        if prompts.get(key):
            return str(prompts[key])
    default = config.get("default_prompt_name")
    return str(prompts.get(default) or "") if default else ""


def resolve_prompts(
    settings: TextSettings, model_config: Mapping[str, Any] | None
) -> dict[Role, tuple[str, str]]:
    """``{role: (prompt, origin)}`` by the rules of the module docstring.

    Args:
        settings: the model's settings.
        model_config: the loaded model's sentence-transformers config (``prompts``,
            ``default_prompt_name``), or None when it has none or is not available.
    """
    resolved: dict[Role, tuple[str, str]] = {}
    for role in ROLES:
        if role in settings.overrides:
            resolved[role] = (settings.overrides[role], "option")
        elif role in settings.preset_prompts:
            resolved[role] = (settings.preset_prompts[role], f"preset:{settings.preset}")
        elif model_config is not None and (prompt := role_prompt_from_config(model_config, role)):
            resolved[role] = (prompt, "model")
        else:
            resolved[role] = ("", "none")
    return resolved


def read_st_config(settings: TextSettings) -> dict[str, Any] | None:
    """The model's ``config_sentence_transformers.json`` if it is on disk (no download)."""
    if settings.source != "st":
        return None
    path = local_file(settings.where, ST_CONFIG)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def settings_digest(settings: TextSettings) -> str:
    """Short sha256 of the settings that change outputs (prompts, preset, dim, length, pooling)."""
    payload = {
        "overrides": settings.overrides,
        "preset": settings.preset,
        "preset_prompts": settings.preset_prompts,
        "dim": settings.dim,
        "max_length": settings.max_length,
        "pooling": settings.pooling,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def describe(
    settings: TextSettings, model_config: Mapping[str, Any] | None, model: str
) -> dict[str, Any]:
    """Provenance for the results: loader, weights, prompts with their origin, pooling, dim.

    ``model`` (the model string) is only used in the Matryoshka warning text.
    """
    prompts = resolve_prompts(settings, model_config)
    info: dict[str, Any] = {
        "loader": settings.source,
        "weights": {"kind": settings.where.kind, "location": settings.where.location},
        "fingerprint": settings.where.fingerprint,
        "revision": settings.where.revision_text(),
        "prompts": {role: prompts[role][0] for role in ROLES},
        "prompt_origins": {role: prompts[role][1] for role in ROLES},
    }
    if settings.preset is not None:
        info["preset"] = settings.preset
    if settings.pooling is not None:
        info["pooling"] = settings.pooling
    if settings.max_length is not None:
        info["max_length"] = settings.max_length
    if settings.dim is not None:
        trained = settings.trained_dims
        info["matryoshka"] = {
            "dim": settings.dim,
            "trained": None if trained is None else settings.dim in trained,
            "warning": untrained_message(model, settings.dim, trained),
        }
    return info
