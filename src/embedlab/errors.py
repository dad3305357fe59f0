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
        super().__init__(f"unknown {kind} {name!r}; valid {kind}s: {listing}")


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
