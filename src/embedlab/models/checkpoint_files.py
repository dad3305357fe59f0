"""Where a transformers checkpoint lives and its ``config.json``, before anything is loaded.

Shared by the sources that read a checkpoint's config first (``hf:``, ``mllm:``, the ColPali /
ColQwen2 recognition): :func:`checkpoint_location` (what to pass to ``from_pretrained``),
:func:`where_hint` (what to check when it fails) and :func:`read_config`. Imports no framework
(``huggingface_hub`` only for a hub id).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedlab.errors import ModelError
from embedlab.models._loading import loading
from embedlab.models._torch_utils import require
from embedlab.models.fingerprint import local_path, looks_like_path, require_local_path


def where_hint(ref: str) -> str:
    """What to check when ``ref`` (a folder or hub id) fails to load."""
    if looks_like_path(ref) or local_path(ref) is not None:
        return "check that the folder holds a complete transformers checkpoint"
    return (
        "check the hub id, your network, or that the model is in the local HF cache "
        "(HF_HUB_OFFLINE=1 uses cached files only)"
    )


def checkpoint_location(ref: str, model_name: str) -> str:
    """What to pass to ``from_pretrained``: the expanded local folder, or the hub id."""
    if looks_like_path(ref):
        return str(require_local_path(ref, model_name))
    path = local_path(ref)
    return str(path) if path is not None else ref


def read_config(
    location: str, model_name: str, missing_advice: str = "", revision: str | None = None
) -> dict[str, Any]:
    """``config.json`` of a local folder, or of a hub id (through the HF cache).

    ``missing_advice``: appended to the message when a folder has no config.json.
    ``revision``: the Hub revision to read (None: the branch head).

    Raises:
        ModelError: no config.json, it cannot be read, or it is not a JSON object.
    """
    folder = Path(location)
    if folder.is_dir():
        path = folder / "config.json"
        if not path.is_file():
            raise ModelError(
                f"model {model_name!r}: {folder} has no config.json; a transformers checkpoint "
                f"folder needs it (save the model with save_pretrained){missing_advice}"
            )
    else:
        hub = require("huggingface_hub", purpose=f"loading model {model_name!r}")
        with loading(model_name, "config", where_hint(location)):
            path = Path(
                hub.hf_hub_download(repo_id=location, filename="config.json", revision=revision)
            )
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"model {model_name!r}: cannot read {path} ({exc})") from exc
    if not isinstance(config, dict):
        raise ModelError(f"model {model_name!r}: {path} is not a JSON object")
    return config
