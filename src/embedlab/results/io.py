"""Read ``results.json`` (the RunLog); write it with ``results.csv`` as one published set.

Writing goes through :func:`embedlab.results.publish.publish_results` (staged, then renamed in
an order that keeps ``results.json`` the last word; see that module).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from embedlab.errors import ResultsError
from embedlab.results.publish import RESULTS_CSV, RESULTS_JSON, metrics_csv, publish_results
from embedlab.results.schema import SCHEMA_VERSION, RunLog

__all__ = ["RESULTS_CSV", "RESULTS_JSON", "metrics_csv", "read_results", "write_runlog"]


def write_runlog(out_dir: Path, log: RunLog) -> Path:
    """Publish ``results.json`` and ``results.csv`` into ``out_dir`` as one set; the json path.

    The outcome files ``log`` lists must already be in ``out_dir``; ``outcomes/*.parquet`` files
    it does not list are removed after publishing. Callers should hold the folder's lock
    (:func:`embedlab.results.lock.output_lock`).
    """
    return publish_results(out_dir, log)


def read_results(path: Path) -> RunLog:
    """Read a RunLog from ``results.json`` (or a run folder containing it).

    Raises:
        ResultsError: missing/corrupt file, or a schema newer than this embedlab understands.
    """
    if path.is_dir():
        path = path / RESULTS_JSON
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(
            f"{path} does not exist; pass a run folder written by embedlab run"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ResultsError(f"{path} is not a readable results file: {exc}") from None
    version = data.get("schema_version")
    if not isinstance(version, int):
        raise ResultsError(
            f"{path} has no integer 'schema_version'; it was not written by embedlab"
        )
    if version > SCHEMA_VERSION:
        raise ResultsError(
            f"{path} has schema_version {version}, newer than this embedlab understands "
            f"({SCHEMA_VERSION}); upgrade embedlab to read it"
        )
    data = _migrate(data, version)
    try:
        return RunLog.model_validate(data)
    except ValidationError as exc:
        raise ResultsError(f"{path} does not match the results schema: {exc}") from None


def _migrate(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Bring an older RunLog up to :data:`SCHEMA_VERSION` (version 1 is the first)."""
    return data
