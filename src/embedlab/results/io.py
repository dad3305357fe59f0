"""Read and write ``results.json`` (the RunLog) and ``results.csv`` atomically."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from embedlab._atomic import write_text_atomic
from embedlab.errors import ResultsError
from embedlab.results.schema import SCHEMA_VERSION, MetricRow, RunLog

RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"


def write_runlog(out_dir: Path, log: RunLog) -> Path:
    """Write ``results.json`` and ``results.csv`` into ``out_dir`` (each atomically)."""
    path = out_dir / RESULTS_JSON
    write_text_atomic(out_dir / RESULTS_CSV, metrics_csv(log.metrics))
    write_text_atomic(path, log.model_dump_json(indent=2) + "\n")
    return path


def metrics_csv(rows: list[MetricRow]) -> str:
    """The metric rows as CSV text with a header (one row per metric)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(MetricRow.model_fields))
    writer.writeheader()
    for row in rows:
        writer.writerow(row.model_dump())
    return buffer.getvalue()


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
