"""One boundary for model loading: whatever a framework raises becomes an embedlab error.

A failure is reported as our one line (what could not be loaded, of which model, what to do)
and, on a second line, the library's own text shortened to its first line and at most
:data:`LIBRARY_TEXT_CHARS` characters (transformers' "Unrecognized configuration class" error,
for one, lists several hundred config classes).

Inside a :func:`loading` block, transformers' weight-loading reports (its "LOAD REPORT" table
in 5.x, "Some weights of ..." in 4.x) are captured instead of printed: the sources check what
was loaded themselves (:mod:`embedlab.models.weights_check`) and refuse with one line, so the
library's table would only repeat it. :class:`LoadLog` tells a source that a report was logged
(the ``st`` source, whose library does not return loading info, uses it as its trigger). Other
warnings of ``transformers.modeling_utils`` logged in the block are passed on unchanged.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from embedlab.errors import EmbedlabError, MissingDependencyError, ModelError

#: Longest library text kept on the second line of a loading error.
LIBRARY_TEXT_CHARS = 200
#: The logger transformers reports missing/unexpected weights on (4.x and 5.x).
_WEIGHTS_LOGGER = "transformers.modeling_utils"
_REPORT_MARKERS = ("LOAD REPORT", "Some weights of")


@dataclass
class LoadLog:
    """What a :func:`loading` block captured.

    Attributes:
        reports: transformers' weight-loading reports (missing/unexpected/mismatched tensors)
            logged inside the block, as text.
    """

    reports: list[str] = field(default_factory=list)


def library_text(exc: BaseException) -> str:
    """The first non-empty line of ``exc``'s text, at most :data:`LIBRARY_TEXT_CHARS` long."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if len(text) > LIBRARY_TEXT_CHARS:
        text = text[: LIBRARY_TEXT_CHARS - 3].rstrip() + "..."
    return text


def failure(line: str, exc: BaseException) -> ModelError:
    """``ModelError`` of our ``line`` and, on a second line, the library's shortened text."""
    return ModelError(f"{line}\n{library_text(exc)}")


@contextmanager
def loading(model_name: str, what: str, hint: str) -> Iterator[LoadLog]:
    """Re-raise failures inside the block as :class:`ModelError` (or a missing dependency).

    Args:
        model_name: the model as the user wrote it (``hf:...``), named in the message.
        what: the part being loaded (``weights``, ``tokenizer``...).
        hint: what the user can do about it, appended to the message.

    Yields:
        The :class:`LoadLog` of the block (filled when the block ends).
    """
    log = LoadLog()
    try:
        with _quiet_weight_bars(), _captured_weight_reports(log):
            yield log
    except EmbedlabError:
        raise
    except ImportError as exc:
        if exc.name:
            raise MissingDependencyError(exc.name, "torch", f"loading {model_name!r}") from exc
        raise failure(f"could not load the {what} of {model_name!r}; {hint}", exc) from exc
    except Exception as exc:
        raise failure(f"could not load the {what} of {model_name!r}; {hint}", exc) from exc


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _captured_weight_reports(log: LoadLog) -> Iterator[None]:
    """Capture transformers' weight reports into ``log``; pass its other warnings on.

    The logger is set to at least WARNING for the block, so a quiet ``TRANSFORMERS_VERBOSITY``
    cannot hide a report from the check.
    """
    logger = logging.getLogger(_WEIGHTS_LOGGER)
    level, propagate = logger.level, logger.propagate
    capture = _Capture()
    logger.addHandler(capture)
    logger.propagate = False
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)
        logger.propagate = propagate
        for record in capture.records:
            message = record.getMessage()
            if any(marker in message for marker in _REPORT_MARKERS):
                log.reports.append(message)
            elif logger.isEnabledFor(record.levelno):
                logger.handle(record)


@contextmanager
def _quiet_weight_bars() -> Iterator[None]:
    """Hide transformers' per-tensor "Loading weights" bar while loading (embedlab reports
    progress itself); download bars of huggingface_hub are left alone."""
    transformers = sys.modules.get("transformers")
    logging_utils = getattr(getattr(transformers, "utils", None), "logging", None)
    if logging_utils is None or not logging_utils.is_progress_bar_enabled():
        yield
        return
    logging_utils.disable_progress_bar()
    try:
        yield
    finally:
        logging_utils.enable_progress_bar()


def require_hub(
    model: str, repo_id: str, hint: str | None = None, revision: str | None = None
) -> None:
    """Fail in seconds, not after a minute of retries, when ``repo_id`` must come from the Hub.

    Models already in the local Hugging Face cache (at ``revision``, the branch head when None)
    never probe. Otherwise one quick probe
    (:func:`embedlab.core.hub.hub_unreachable_reason`, honouring ``HF_HUB_OFFLINE`` and
    ``TRANSFORMERS_OFFLINE``) decides; an unreachable Hub is a one-line :class:`ModelError`.
    """
    from embedlab.core.hub import hub_unreachable_reason
    from embedlab.models.fingerprint import hub_commit

    if hub_commit(repo_id, revision or "main") is not None:
        return
    reason = hub_unreachable_reason(("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    if reason is not None:
        raise ModelError(
            f"model {model!r} needs {repo_id!r} from the Hugging Face Hub, but {reason}; "
            + (hint or "pass a local folder (e.g. hf:/path/to/model) or set HF_HOME to a cache "
               "that holds it")
        )  # fmt: skip
