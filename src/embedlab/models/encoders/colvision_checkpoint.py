"""Recognising a ColPali / ColQwen2 checkpoint from its ``config.json``, before loading it.

The family is the config's ``model_type`` (``colpali``, ``colqwen2``); anything else is refused
in one line naming the checkpoint's ``model_type`` and ``architectures`` and what is supported
(never transformers' list of every config class). ``config.json`` is read from a local folder,
or for a hub id through the Hugging Face cache. Imports no framework.

:func:`late_interaction_family` is the cheap question the ``hf:`` source asks of every
reference (is it multi-vector?): a folder's ``config.json``, a hub id's from the local
Hugging Face cache, else downloaded when the Hub answers a quick probe; when no config can be
had the answer is None (dense), and loading the model then reports why.
"""

from __future__ import annotations

import json
from typing import Any

from embedlab.errors import ModelError
from embedlab.models.checkpoint_files import read_config as read_checkpoint_config
from embedlab.models.fingerprint import hf_hub_cache, hub_commit, local_path, looks_like_path

#: config.json ``model_type`` → (model class, processor class) in transformers.
FAMILIES: dict[str, tuple[str, str]] = {
    "colpali": ("ColPaliForRetrieval", "ColPaliProcessor"),
    "colqwen2": ("ColQwen2ForRetrieval", "ColQwen2Processor"),
}
SUPPORTED = (
    "ColPali (model_type colpali, e.g. vidore/colpali-v1.3-hf) and ColQwen2 (model_type "
    "colqwen2, e.g. vidore/colqwen2-v1.0-hf)"
)


def family_of(config: dict[str, Any], model_name: str) -> str:
    """The family (``colpali`` / ``colqwen2``) of a checkpoint's ``config.json``.

    Raises:
        ModelError: one line naming the checkpoint's ``model_type`` / ``architectures`` and the
            supported families.
    """
    model_type = config.get("model_type")
    if isinstance(model_type, str) and model_type in FAMILIES:
        return model_type
    architectures = ", ".join(str(a) for a in config.get("architectures") or []) or "?"
    what = f"a {model_type!r}" if isinstance(model_type, str) else "a (no model_type)"
    raise ModelError(
        f"model {model_name!r} is {what} checkpoint ({architectures}), not a multi-vector model "
        f"embedlab runs; supported: {SUPPORTED}"
    )


#: Appended when a folder has no config.json: the colpali-engine adapters have none.
NO_CONFIG_ADVICE = (
    "; colpali-engine adapters such as vidore/colpali-v1.3 have none: use the converted "
    "vidore/colpali-v1.3-hf"
)


def read_config(location: str, model_name: str, revision: str | None = None) -> dict[str, Any]:
    """:func:`~embedlab.models.checkpoint_files.read_config`, naming the ``-hf`` checkpoints
    when a folder has no config.json (``revision``: the Hub revision, None for the head)."""
    return read_checkpoint_config(location, model_name, NO_CONFIG_ADVICE, revision)


def late_interaction_family(ref: str, model_name: str, revision: str | None = None) -> str | None:
    """``colpali`` / ``colqwen2`` when ``ref``'s ``config.json`` is such a checkpoint, else None.

    Never imports a framework; reads a local folder's file or the Hugging Face cache's, and
    downloads ``config.json`` only when the model is not cached and the Hub answers.

    Raises:
        ModelError: the Hub answers but ``config.json`` of ``ref`` cannot be downloaded.
    """
    config = _config_if_available(ref, model_name, revision)
    model_type = None if config is None else config.get("model_type")
    return model_type if isinstance(model_type, str) and model_type in FAMILIES else None


def _config_if_available(
    ref: str, model_name: str, revision: str | None = None
) -> dict[str, Any] | None:
    folder = local_path(ref)
    if folder is not None or looks_like_path(ref):
        path = None if folder is None else folder / "config.json"
    else:
        commit = hub_commit(ref, revision or "main")
        snapshot = hf_hub_cache() / f"models--{ref.replace('/', '--')}" / "snapshots"
        path = None if commit is None else snapshot / commit / "config.json"
        if path is None or not path.is_file():
            from embedlab.core.hub import hub_unreachable_reason

            if hub_unreachable_reason(("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")) is not None:
                return None
            return read_config(ref, model_name, revision)
    try:
        config = json.loads(path.read_text(encoding="utf-8")) if path is not None else None
    except (OSError, ValueError):
        return None  # the load reports the unreadable file
    return config if isinstance(config, dict) else None
