"""An open_clip Hub repository's files at a pinned revision, for ``open_clip:hf-hub:<id>``.

open_clip's ``hf-hub:`` loading cannot take a revision (open_clip 3.3: ``_get_hf_config`` and
``download_pretrained_from_hf`` are called without one), so a pinned ``hf-hub:`` model is
fetched with ``huggingface_hub.hf_hub_download(repo_id, filename, revision=...)`` into the
Hugging Face cache and built from that snapshot folder as ``local-dir:`` (same config, same
weights, same tokenizer files). Fetched, in open_clip's own order:

- ``open_clip_config.json`` (required);
- the weights: ``open_clip_model.safetensors``, else ``open_clip_pytorch_model.bin`` (the first
  that exists, as ``download_pretrained_from_hf`` prefers them);
- the tokenizer files that exist (:data:`TOKENIZER_FILES`; a config naming an
  ``hf_tokenizer_name`` reads them from the folder under ``local-dir:``).

Every file of one revision lands in ``snapshots/<commit>/``, the folder returned. Imports no
framework (huggingface_hub only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embedlab.errors import ModelError
from embedlab.models._loading import loading
from embedlab.models._torch_utils import require

OPEN_CLIP_CONFIG = "open_clip_config.json"
OPEN_CLIP_WEIGHTS = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.json",
    "merges.txt",
    "vocab.txt",
    "spiece.model",
)


def _optional(hub: Any, repo_id: str, filename: str, revision: str) -> Path | None:
    """The downloaded file, or None when the repository has no such file."""
    try:
        return Path(hub.hf_hub_download(repo_id=repo_id, filename=filename, revision=revision))
    except hub.errors.EntryNotFoundError:
        return None


def pinned_open_clip_folder(repo_id: str, revision: str, model: str) -> Path:
    """Download the files of the module docstring at ``revision``; return their folder.

    Raises:
        ModelError: the download failed (one line naming the revision), or the repository has
            no open_clip weights file at that revision.
    """
    hub = require("huggingface_hub", purpose=f"loading model {model!r}")
    hint = (
        f"check that revision {revision!r} exists in {repo_id}, your network, or that the "
        "files are in the local HF cache (HF_HUB_OFFLINE=1 uses cached files only)"
    )
    with loading(model, f"files at revision {revision}", hint):
        config = Path(
            hub.hf_hub_download(repo_id=repo_id, filename=OPEN_CLIP_CONFIG, revision=revision)
        )
        weights = [_optional(hub, repo_id, name, revision) for name in OPEN_CLIP_WEIGHTS[:1]]
        if weights[0] is None:
            weights.append(_optional(hub, repo_id, OPEN_CLIP_WEIGHTS[1], revision))
        for name in TOKENIZER_FILES:
            _optional(hub, repo_id, name, revision)
    if all(path is None for path in weights):
        raise ModelError(
            f"model {model!r}: {repo_id} has no open_clip weights file at revision {revision} "
            f"({' or '.join(OPEN_CLIP_WEIGHTS)}); pick a revision that has one"
        )
    return config.parent
