"""JSON-lines files of records with ids (BEIR-style ``corpus.jsonl`` / ``queries.jsonl``).

:func:`id_objects` yields each non-blank line's JSON object with its ``_id`` (a non-empty
string, or an integer read as its decimal string), refusing broken JSON, non-objects, missing
ids and duplicate ids with one :class:`~embedlab.errors.DataError` line naming ``file:line``.
Fields beyond ``_id`` are the caller's to check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from embedlab.errors import DataError


def nonblank_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(1-based line number, line without newline)`` of the non-blank lines of ``path``."""
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                stripped = line.rstrip("\r\n")
                if stripped.strip():
                    yield number, stripped
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from None


def id_objects(path: Path, kind: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """``(line number, _id, object)`` of each record of ``path`` (``kind`` names them in errors)."""
    seen: dict[str, int] = {}
    for number, line in nonblank_lines(path):
        try:
            raw: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(raw, dict):
            raise DataError(f"{path}:{number}: expected a JSON object, got {type(raw).__name__}")
        item_id = raw.get("_id")
        if isinstance(item_id, bool) or not isinstance(item_id, (str, int)) or item_id == "":
            raise DataError(f"{path}:{number}: field '_id' is missing or not a string/integer")
        item_id = str(item_id)
        if item_id in seen:
            raise DataError(
                f"{path}:{number}: duplicate {kind} _id {item_id!r} (first on line {seen[item_id]})"
            )
        seen[item_id] = number
        yield number, item_id, raw
