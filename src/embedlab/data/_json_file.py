"""Reading a small JSON file of a dataset folder, with errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedlab.errors import DataError


def read_json(path: Path) -> Any:
    """Parse the JSON file ``path``; a read or syntax error becomes a :class:`DataError`."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def listing(items: tuple[str, ...] | list[str], limit: int = 8) -> str:
    """``'a', 'b', …`` showing at most ``limit`` items and the total when there are more."""
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")
