"""The one error hierarchy of embedlab.

Every failure a user can cause or meet is an :class:`EmbedlabError`; the CLI prints its message
(one clear sentence naming the file, field, item or flag, and what to do) and exits non-zero,
without a traceback. Anything else escaping is a bug.

::

    EmbedlabError
    ├── ConfigError               bad flag, option or config value
    │   └── UnknownNameError      a registry name that does not exist (lists the valid ones)
    ├── DataError                 dataset files, fields, items, images
    ├── ModelError                loading a model, or a model producing bad output (NaN, shape)
    ├── BackendError              a runtime (torch, onnxruntime, openvino) failed at its boundary
    ├── MissingDependencyError    an optional extra is not installed (names the extra)
    └── ResultsError              results/cache files: schema version, corruption, mismatch
"""

from __future__ import annotations

from collections.abc import Iterable


class EmbedlabError(Exception):
    """Base class of every error embedlab raises on purpose."""


class ConfigError(EmbedlabError):
    """A flag, option or configuration value is invalid."""


class UnknownNameError(ConfigError):
    """A name was looked up in a registry and is not there."""

    def __init__(self, kind: str, name: str, valid: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.valid = sorted(valid)
        listing = ", ".join(self.valid) if self.valid else "(none registered)"
        hint = did_you_mean(name, self.valid)
        super().__init__(f"unknown {kind} {name!r}{hint}; valid {kind}s: {listing}")


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """``" (did you mean 'shapes'?)"`` naming the closest valid names, or ``""`` if none is close.

    Close means: names that start with ``name`` (when it has 3+ characters), then
    :func:`difflib.get_close_matches` (ratio ≥ 0.6, best first); at most three, compared
    case-insensitively.
    """
    import difflib

    by_folded = {v.casefold(): v for v in valid}
    folded = name.casefold()
    prefixed = sorted(v for v in by_folded if len(folded) >= 3 and v.startswith(folded))
    similar = difflib.get_close_matches(folded, list(by_folded), n=3, cutoff=0.6)
    close = list(dict.fromkeys([*prefixed, *similar]))[:3]
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(by_folded[c]) for c in close) + "?)"


class DataError(EmbedlabError):
    """A dataset file, field, item or image is missing or malformed."""


class ModelError(EmbedlabError):
    """A model could not be loaded or produced invalid output."""


class BackendError(EmbedlabError):
    """A runtime backend failed; raised at the runtime boundary."""


class MissingDependencyError(EmbedlabError):
    """An optional dependency is missing.

    Args:
        package: the import name that failed.
        extra: the embedlab extra that provides it (``pip install 'embedlab[extra]'``).
        purpose: what it is needed for.
    """

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs the Python package {package!r}, which is not installed; "
            f"install it with: pip install 'embedlab[{extra}]'"
        )


class ResultsError(EmbedlabError):
    """A results, outcomes or cache file is invalid, corrupt or of an unsupported version."""


class DataWarning(UserWarning):
    """A dataset problem that changes what is measured without stopping the run (judged
    documents missing from a corpus, queries without judgements, two entries of one image file).
    Printed as one ``warning:`` line by the CLI; the counts also go into the results."""


class CacheWarning(UserWarning):
    """A cache file failed its checks (corrupt, truncated, checksum mismatch, non-finite values,
    or no checksum at all) and is being recomputed; the message names the file."""
