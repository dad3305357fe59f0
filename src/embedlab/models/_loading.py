"""One boundary for model loading: whatever a framework raises becomes an embedlab error."""

from __future__ import annotations

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
        yield
    except EmbedlabError:
        raise
    except ImportError as exc:
        if exc.name:
            raise MissingDependencyError(exc.name, "torch", f"loading {model_name!r}") from exc
        raise ModelError(f"could not load the {what} of {model_name!r}: {exc}; {hint}") from exc
    except Exception as exc:
        raise ModelError(f"could not load the {what} of {model_name!r}: {exc}; {hint}") from exc
