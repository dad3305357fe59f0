"""A ``remote:`` reference parsed, what its repository ships, and the refusal without the flag.

Cheap and framework-free, for :mod:`embedlab.models.sources.remote_code` (``fingerprint`` and
``describe`` use it before anything is loaded):

- :func:`remote_ref`: base (hub id or folder), the revision (``?revision=``, the preset's, or the
  branch head; :mod:`embedlab.models.revision`), ``?code_revision=``, ``?max_length=``;
- :func:`auto_map_text`: the ``auto_map`` entries of ``config.json`` as found on disk (the folder,
  or the local HF cache's snapshot of the pinned revision; never downloaded);
- :func:`refuse_untrusted`: the one-line refusal without ``--trust-remote-code``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlab.errors import ConfigError
from embedlab.models._ref_options import REVISION, RefOptions, check_revision, parse_ref
from embedlab.models.base import ModelSpec
from embedlab.models.encoders.remote_dual import DEFAULT_MAX_LENGTH
from embedlab.models.fingerprint import (
    code_digest,
    hf_hub_cache,
    hub_commit,
    local_path,
    looks_like_path,
    require_local_path,
)
from embedlab.models.revision import Pin, resolve_pin

OPTIONS = frozenset({REVISION, "code_revision", "max_length"})


@dataclass(frozen=True)
class RemoteRef:
    """A parsed ``remote:`` reference: where, which revision, which code."""

    base: str
    folder: Path | None
    pin: Pin
    code_revision: str | None
    max_length: int

    def revision_text(self) -> str:
        """What ``describe()`` records: the pin, or the folder's code digest."""
        if self.folder is not None:
            return f"{code_digest(self.folder)} (local folder: digest of its .py files)"
        return self.pin.describe()


def remote_ref(spec: ModelSpec) -> RemoteRef:
    """Parse ``spec.ref`` (options checked; a folder must exist). Cheap, no framework."""
    options: RefOptions = parse_ref(spec.ref, spec.name, OPTIONS)
    folder = local_path(options.base)
    if folder is None and looks_like_path(options.base):
        folder = require_local_path(options.base, spec.name)
    code_revision = options.options.get("code_revision")
    if code_revision is not None:
        check_revision(code_revision, spec.name)
    return RemoteRef(
        base=options.base,
        folder=folder,
        pin=resolve_pin("remote", options.base, options.revision, spec.name),
        code_revision=code_revision,
        max_length=options.integer("max_length", spec.name) or DEFAULT_MAX_LENGTH,
    )


def config_on_disk(ref: RemoteRef) -> dict[str, Any] | None:
    """``config.json`` from the folder or the local HF cache (never downloads), if readable."""
    if ref.folder is not None:
        path = ref.folder / "config.json"
    else:
        commit = hub_commit(ref.base, ref.pin.revision or "main")
        repo = hf_hub_cache() / f"models--{ref.base.replace('/', '--')}"
        path = repo / "snapshots" / str(commit) / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) else None


def auto_map_text(config: dict[str, Any] | None) -> str:
    """``"AutoConfig → m.C, AutoModel → m.M"`` from ``config.json``'s ``auto_map``."""
    auto_map = (config or {}).get("auto_map")
    if not isinstance(auto_map, dict) or not auto_map:
        return ""
    return ", ".join(f"{key} → {value}" for key, value in sorted(auto_map.items()))


def code_revision_text(ref: RemoteRef, config: dict[str, Any] | None) -> str:
    """Which revision of the code runs: ``?code_revision=``, the model's own revision when the
    code is in the same repository (or folder), else the code repository's branch head."""
    if ref.code_revision is not None:
        return f"{ref.code_revision} (pinned by ?code_revision=)"
    if config is None:
        return "unknown until config.json is on disk (pin it with ?code_revision=)"
    other = sorted(
        {str(v).split("--")[0] for v in (config.get("auto_map") or {}).values() if "--" in str(v)}
    )
    if not other:
        return "the model's own (its revision above)"
    return f"unpinned (branch head of {', '.join(other)}; pin it with ?code_revision=)"


def refuse_untrusted(spec: ModelSpec, ref: RemoteRef) -> None:
    """The one-line refusal of a ``remote:`` model without ``--trust-remote-code``.

    Raises:
        ConfigError: unless ``spec.trust_remote_code``.
    """
    if spec.trust_remote_code:
        return
    entries = auto_map_text(config_on_disk(ref))
    ships = f"config.json auto_map: {entries}" if entries else "config.json auto_map; not on disk"
    if ref.folder is not None:
        pinned = "the revision loaded (the digest of the folder's .py files) is recorded"
    elif ref.pin.revision is None:
        pinned = "the revision loaded is recorded (unpinned: the branch head; pin ?revision=SHA)"
    else:
        pinned = f"the revision loaded is pinned and recorded: {ref.pin.describe()}"
    raise ConfigError(
        f"model {spec.name!r} ships its own modelling code ({ships}), which transformers "
        "would import and run with your user's rights; embedlab runs such code only when asked: "
        f"pass --trust-remote-code (or trust_remote_code = true in a suite file); {pinned} "
        "in the results"
    )
