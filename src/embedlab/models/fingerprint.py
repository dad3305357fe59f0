"""Cheap identities of model weights, for the embedding cache; never imports a framework.

A fingerprint says "these are the same weights" without loading them:

- a local folder or file: sha256 over (relative file name, size, mtime_ns) of every file;
- a Hugging Face Hub id: the commit hash the local HF cache resolved ``main`` to, if the model
  was downloaded (``$HF_HUB_CACHE/models--org--name/refs/main``); otherwise the id itself;
- a Hub id pinned to a revision (``?revision=``, a preset's ``revision``): a full commit sha as
  given (``hub:<id>@<sha>``, the same string an unpinned cached ``main`` at that commit gives);
  a tag or branch as the commit the local cache resolved it to, else ``hub:<id>@rev:<name>``;
- the code of a remote-code folder: sha256 over the names and bytes of its ``.py`` files
  (:func:`code_digest`; contents, not mtimes, since this is the code that runs).

Precision is not part of a fingerprint: the cache key adds it separately.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from embedlab.errors import ModelError

_PATH_PREFIXES = ("/", "./", "../", "~", ".\\", "..\\")


def looks_like_path(ref: str) -> bool:
    """True if ``ref`` is written as a filesystem path (absolute, ``./``, ``../`` or ``~``)."""
    return ref.startswith(_PATH_PREFIXES) or ref in {".", ".."} or (len(ref) > 1 and ref[1] == ":")


def local_path(ref: str) -> Path | None:
    """The local file or folder ``ref`` names, or None if it is not one (then it is a hub id)."""
    path = Path(ref).expanduser()
    return path if path.exists() else None


def require_local_path(ref: str, model_name: str) -> Path:
    """Return the existing path ``ref``, or raise :class:`ModelError` naming ``model_name``."""
    path = local_path(ref)
    if path is None:
        raise ModelError(
            f"model {model_name!r}: the path {ref!r} does not exist; check the folder name "
            "(it must hold the model's config, weights and processor files)"
        )
    return path


def files_fingerprint(path: Path) -> str:
    """sha256 over (relative name, size, mtime_ns) of a file, or of every file below a folder.

    Args:
        path: an existing file or folder.

    Returns:
        ``"files:<sha256 hex>"``.
    """
    root = path if path.is_dir() else path.parent
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for file in files:
        stat = file.stat()
        name = file.relative_to(root).as_posix()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return f"files:{digest.hexdigest()}"


def hf_hub_cache() -> Path:
    """The Hugging Face Hub cache folder, resolved like ``huggingface_hub`` does (env vars)."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(os.path.expandvars(explicit)).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    home = os.environ.get("HF_HOME") or os.path.join(xdg, "huggingface")
    return Path(os.path.expandvars(home)).expanduser() / "hub"


def is_commit_sha(revision: str) -> bool:
    """True for a full 40-digit hexadecimal commit sha."""
    return len(revision) == 40 and all(c in "0123456789abcdef" for c in revision.lower())


def hub_commit(repo_id: str, revision: str = "main") -> str | None:
    """The commit ``revision`` of model ``repo_id`` resolves to in the local HF cache, if any.

    A full commit sha resolves to itself when its snapshot folder is in the cache.
    """
    repo = hf_hub_cache() / f"models--{repo_id.replace('/', '--')}"
    if is_commit_sha(revision):
        return revision.lower() if (repo / "snapshots" / revision.lower()).is_dir() else None
    ref_file = repo / "refs" / revision
    try:
        commit = ref_file.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return commit or None


def hub_fingerprint(repo_id: str, revision: str | None = None) -> str:
    """``"hub:<id>@<commit>"`` when known (see the module docstring), else ``"hub:<id>"``.

    Args:
        repo_id: the Hub id.
        revision: the pinned revision, or None for the branch head (``main``).
    """
    if revision is None:
        commit = hub_commit(repo_id)
        return f"hub:{repo_id}@{commit}" if commit else f"hub:{repo_id}"
    if is_commit_sha(revision):
        return f"hub:{repo_id}@{revision.lower()}"
    commit = hub_commit(repo_id, revision)
    return f"hub:{repo_id}@{commit}" if commit else f"hub:{repo_id}@rev:{revision}"


def code_digest(folder: Path) -> str:
    """``"code:<sha256 hex>"`` over (relative name, bytes) of every ``.py`` file below ``folder``.

    Byte contents, not sizes and mtimes: this identifies the code a remote-code model runs.
    """
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*.py") if p.is_file()):
        name = file.relative_to(folder).as_posix()
        digest.update(f"{name}\0{file.stat().st_size}\0".encode())
        digest.update(file.read_bytes())
    return f"code:{digest.hexdigest()}"


def ref_fingerprint(ref: str, model_name: str, revision: str | None = None) -> str:
    """Fingerprint a ref that is either a local path or a Hugging Face Hub id.

    ``revision``: the pinned Hub revision of a hub id (ignored for a local path; the sources
    refuse ``?revision=`` on folders before they get here).

    Raises:
        ModelError: if ``ref`` is written as a path and does not exist.
    """
    path = local_path(ref)
    if path is not None:
        return files_fingerprint(path)
    if looks_like_path(ref):
        require_local_path(ref, model_name)
    return hub_fingerprint(ref, revision)
