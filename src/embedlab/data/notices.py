"""Data warnings, each printed once per process.

A dataset is loaded once per (model, task), so a problem in its files would be reported once per
model. Python's own once-per-location registry does not prevent that: it is reset whenever any
library changes the warning filters (``catch_warnings``, as model loaders do). So each distinct
message is issued once here; the CLI prints it as one ``warning:`` line.
"""

from __future__ import annotations

import warnings

from embedlab.errors import DataWarning

_ISSUED: set[str] = set()


def warn_data(message: str) -> None:
    """Issue ``message`` as a :class:`~embedlab.errors.DataWarning` unless already issued."""
    if message in _ISSUED:
        return
    _ISSUED.add(message)
    warnings.warn(message, DataWarning, stacklevel=3)
