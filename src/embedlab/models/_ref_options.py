"""Options written after a model reference: ``SOURCE:REF?key=value&key=value``.

The part after the first ``?`` is a list of ``key=value`` pairs joined by ``&``. Values are
percent-decoded with :func:`urllib.parse.unquote` (so ``%0A`` is a newline, ``%26`` an ``&``,
``%3D`` an ``=``; a ``+`` stays a ``+``). ``key=`` gives the empty string, which for a prompt
means "no prompt". Because the options are part of the model string, they are part of the
model's name in the results and of every cache key, and a run can be replayed from its log.

Options understood by the text sources (each source accepts a subset):

- ``dim=N``: Matryoshka truncation to the first N dimensions, then renormalisation.
- ``query_prompt=TEXT`` / ``document_prompt=TEXT``: override the prompt of a role.
- ``pooling=mean|cls|last``: pooling of the ``hf-text`` source.
- ``max_length=N``: token limit of the tokenizer (truncation).

Understood by every source that loads from the Hugging Face Hub (``hf``, ``open_clip``'s
``hf-hub:``, ``st``, ``hf-text``, ``mllm``, ``remote``, ``preset``):

- ``revision=SHA|TAG|BRANCH``: the Hub revision to load (a commit sha pins it exactly); part of
  the weights fingerprint and recorded in the results (:mod:`embedlab.models.revision`).
  Refused for a local folder, whose files are fingerprinted instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from embedlab.errors import ConfigError

PROMPT_OPTIONS = ("query_prompt", "document_prompt")
#: The Hub revision option (see the module docstring).
REVISION = "revision"


@dataclass(frozen=True)
class RefOptions:
    """A reference split into its base (hub id or path) and its options."""

    base: str
    options: dict[str, str] = field(default_factory=dict)

    def integer(self, key: str, model: str, minimum: int = 1) -> int | None:
        """The option ``key`` as an integer ``>= minimum`` (None when absent).

        Raises:
            ConfigError: if the value is not such an integer.
        """
        text = self.options.get(key)
        if text is None:
            return None
        if not text.isdigit() or int(text) < minimum:
            raise ConfigError(
                f"model {model!r}: option {key}={text!r} must be an integer >= {minimum}"
            )
        return int(text)

    @property
    def revision(self) -> str | None:
        """The ``revision=`` option, or None when absent (validated by :func:`parse_ref`)."""
        return self.options.get(REVISION)

    def prompts(self) -> dict[str, str]:
        """The prompt overrides given, as ``{"query": ..., "document": ...}`` (absent: no key)."""
        return {
            key.removesuffix("_prompt"): self.options[key]
            for key in PROMPT_OPTIONS
            if key in self.options
        }


def parse_ref(ref: str, model: str, allowed: frozenset[str]) -> RefOptions:
    """Split ``"org/name?dim=128&pooling=mean"`` into base and decoded options.

    Args:
        ref: the reference after ``SOURCE:``.
        model: the model string as the user wrote it, for messages.
        allowed: the option keys this source understands.

    Raises:
        ConfigError: on an empty base, a pair without ``=``, a repeated or unknown key.
    """
    base, sep, query = ref.partition("?")
    if not base:
        raise ConfigError(f"model {model!r} has no hub id or path before '?'")
    options: dict[str, str] = {}
    for pair in query.split("&") if sep and query else []:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise ConfigError(f"model {model!r}: option {pair!r} is not written as key=value")
        if key not in allowed:
            valid = ", ".join(sorted(allowed)) or "(none)"
            raise ConfigError(f"model {model!r}: unknown option {key!r}; valid options: {valid}")
        if key in options:
            raise ConfigError(f"model {model!r}: option {key!r} is given twice")
        options[key] = unquote(value)
        if key == REVISION:
            check_revision(options[key], model)
    return RefOptions(base=base, options=options)


def check_revision(revision: str, model: str) -> str:
    """``revision`` if it can name a Hub revision: a commit sha, a tag or a branch name.

    Allowed: letters, digits, ``.``, ``_``, ``-``, ``/`` (as in ``refs/pr/1``), not empty.

    Raises:
        ConfigError: otherwise, naming the option.
    """
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")
    if not revision or not set(revision) <= allowed or revision.startswith(("/", ".")):
        raise ConfigError(
            f"model {model!r}: option revision={revision!r} is not a Hub revision; give a "
            "commit sha (pins it exactly), a tag or a branch name"
        )
    return revision


def split_revision(ref: str, model: str) -> tuple[str, str | None]:
    """``("org/name", "abc123")`` from ``"org/name?revision=abc123"`` (the only option allowed).

    For sources whose references take no option but ``revision``.
    """
    parsed = parse_ref(ref, model, frozenset({REVISION}))
    return parsed.base, parsed.revision


def format_ref(base: str, options: Mapping[str, str | int]) -> str:
    """Inverse of :func:`parse_ref`: ``base?key=value&...`` with values percent-encoded.

    Keys are written in sorted order, so equal option sets give equal model names.
    """
    if not options:
        return base
    pairs = [f"{key}={quote(str(options[key]), safe='')}" for key in sorted(options)]
    return f"{base}?{'&'.join(pairs)}"


def with_options(model: str, **options: str | int) -> str:
    """Add options to a model string, e.g. ``with_options("st:x", dim=128)`` → ``st:x?dim=128``.

    Existing options are kept; a key given again replaces the old value. This is what CLI flags
    such as ``--dim`` or ``--query-prompt`` should use to reach the model spec.
    """
    base, _, query = model.partition("?")
    merged: dict[str, str | int] = {}
    for pair in query.split("&") if query else []:
        key, _, value = pair.partition("=")
        merged[key] = unquote(value)
    merged.update(options)
    return format_ref(base, merged)
