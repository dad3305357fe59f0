"""Which Hub revision a model loads, and how that is recorded.

A model from the Hugging Face Hub loads the revision resolved by the first rule that applies:

1. the ``?revision=SHA|TAG|BRANCH`` option of the model string (origin ``option``);
2. the ``revision`` of the preset whose loader and hub id are the model's (origin
   ``preset:<name>``; :mod:`embedlab.models.presets`), also when the model is written as
   ``<loader>:<hub id>`` rather than by the preset's name;
3. none: the branch head (``main``) is loaded (origin ``unpinned``).

The revision is passed to ``from_pretrained`` / ``hf_hub_download`` / ``SentenceTransformer``
(``revision=``), is part of the weights fingerprint (the cache key,
:func:`~embedlab.models.fingerprint.hub_fingerprint`) and is recorded by the source's
``describe()``: ``"<sha> (pinned by preset <name>)"``, ``"<sha> (pinned by ?revision=)"`` or
``"unpinned (branch head)"``; a run adds one note per part for a pinned revision
(:func:`revision_note`). A local folder takes no revision: its files are fingerprinted.
Imports no framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from embedlab.errors import ConfigError
from embedlab.models.fingerprint import local_path, looks_like_path

UNPINNED = "unpinned (branch head)"


@dataclass(frozen=True)
class Pin:
    """A resolved revision.

    Attributes:
        revision: the revision to load, or None for the branch head.
        origin: ``option``, ``preset:<name>`` or ``unpinned``.
    """

    revision: str | None
    origin: str = "unpinned"

    def describe(self) -> str:
        """``"<rev> (pinned by preset <name>)"``, ``"<rev> (pinned by ?revision=)"``, or
        ``"unpinned (branch head)"``."""
        if self.revision is None:
            return UNPINNED
        if self.origin.startswith("preset:"):
            return f"{self.revision} (pinned by preset {self.origin.removeprefix('preset:')})"
        return f"{self.revision} (pinned by ?revision=)"

    def kwargs(self) -> dict[str, str]:
        """``{"revision": rev}`` for ``from_pretrained`` and friends, or ``{}`` when unpinned."""
        return {} if self.revision is None else {"revision": self.revision}


#: The branch head: no revision given.
NO_PIN = Pin(None)


def preset_revision(loader: str, hub_id: str) -> Pin:
    """The pin of the preset whose ``loader`` and hub id are these (compared case-insensitively),
    or an unpinned :class:`Pin`."""
    from embedlab.models.presets import PRESETS

    for preset in PRESETS.values():
        same = preset.loader == loader and preset.hub_id.casefold() == hub_id.casefold()
        if same and preset.revision is not None:
            return Pin(preset.revision, f"preset:{preset.name}")
    return NO_PIN


def option_pin(option: str | None) -> Pin | None:
    """The pin of a ``?revision=`` option, or None when absent."""
    return None if option is None else Pin(option, "option")


def resolve_pin(loader: str, base: str, option: str | None, model: str) -> Pin:
    """The revision ``base`` (a hub id or a folder) loads by the rules of the module docstring.

    Args:
        loader: the model source that loads it (``hf``, ``open_clip``, ``st``, ...).
        base: the reference without options (for ``open_clip``, the id after ``hf-hub:``).
        option: the ``?revision=`` option, if given.
        model: the model string, for messages.

    Raises:
        ConfigError: ``?revision=`` on a local folder.
    """
    if looks_like_path(base) or local_path(base) is not None:
        if option is not None:
            raise ConfigError(
                f"model {model!r}: revision={option} pins a Hugging Face Hub revision, but "
                f"{base!r} is a local folder (its files are fingerprinted instead); drop "
                "?revision= or name the hub id"
            )
        return Pin(None, "local")
    if option is not None:
        return Pin(option, "option")
    return preset_revision(loader, base)


def revision_note(details: Mapping[str, object]) -> str | None:
    """One line for a run's notes when a model's ``describe()`` records a pinned revision or
    remote code, else None: ``model <name>: revision <...>; remote code trusted (...)``."""
    revision = details.get("revision")
    trusted = details.get("trust_remote_code") is True
    pinned = isinstance(revision, str) and "(pinned by" in revision
    if not pinned and not trusted:
        return None
    parts = [f"revision {revision}"] if isinstance(revision, str) else []
    if trusted:
        parts.append(f"remote code trusted (--trust-remote-code): {details.get('code', '?')}")
    return f"model {details.get('model', '?')}: " + "; ".join(parts)
