"""One boundary for model loading: whatever a framework raises becomes an embedlab error."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from embedlab.errors import EmbedlabError, MissingDependencyError, ModelError


@contextmanager
def loading(model_name: str, what: str, hint: str) -> Iterator[None]:
    """Re-raise failures inside the block as :class:`ModelError` (or a missing dependency).

    Args:
        model_name: the model as the user wrote it (``hf:...``), named in the message.
        what: the part being loaded (``weights``, ``tokenizer``...).
        hint: what the user can do about it, appended to the message.
    """
    try:
        with _quiet_weight_bars():
            yield
    except EmbedlabError:
        raise
    except ImportError as exc:
        if exc.name:
            raise MissingDependencyError(exc.name, "torch", f"loading {model_name!r}") from exc
        raise ModelError(f"could not load the {what} of {model_name!r}: {exc}; {hint}") from exc
    except Exception as exc:
        raise ModelError(f"could not load the {what} of {model_name!r}: {exc}; {hint}") from exc


@contextmanager
def _quiet_weight_bars() -> Iterator[None]:
    """Hide transformers' per-tensor "Loading weights" bar while loading (embedlab reports
    progress itself); download bars of huggingface_hub are left alone."""
    transformers = sys.modules.get("transformers")
    logging = getattr(getattr(transformers, "utils", None), "logging", None)
    if logging is None or not logging.is_progress_bar_enabled():
        yield
        return
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.enable_progress_bar()
