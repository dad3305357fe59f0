"""Many runs as SQL tables: every ``results.json`` under a folder, flattened, queried with DuckDB.

Tables (one row per item, ``run`` = the run folder's path relative to the searched root):

- ``runs``: ``run, path, embedlab_version, status, started_at, finished_at, models, tasks``;
- ``metrics``: every :class:`~embedlab.results.schema.MetricRow` plus ``run``, the dataset's
  ``split`` and ``fingerprint`` (so runs on other data never share a column of a pivot), and
  ``position`` (the row's index in its results.json);
- ``speed``: every :class:`~embedlab.results.schema.SpeedRow` plus ``run`` and ``position``
  (``unstable`` a boolean, ``tokens_per_item`` a float; the dict fields ``machine``, ``load``
  and ``maxsim`` as JSON text);
- ``environment``: ``run, key, value``, the run's environment flattened to dotted keys
  (``packages.torch``, ``cpu``, ...), values as text;
- ``datasets``: every :class:`~embedlab.results.schema.DatasetInfo` (without ``details``) plus
  ``run``.

The tables are built as Arrow tables in memory and registered in an in-memory DuckDB connection
(``duckdb`` is imported lazily; without it :class:`MissingDependencyError` names the ``store``
extra). Nothing is written to disk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from embedlab.errors import ConfigError, MissingDependencyError, ResultsError
from embedlab.results.io import RESULTS_JSON, read_results
from embedlab.results.schema import DatasetInfo, MetricRow, RunLog, SpeedRow

TABLES = ("runs", "metrics", "speed", "environment", "datasets")
_SKIP_DIRS = (".embedlab",)


@dataclass(frozen=True)
class StoredRun:
    """One run found under the root: its name (relative path), folder and log."""

    name: str
    path: Path
    log: RunLog


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one SQL query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def find_runs(root: Path) -> list[StoredRun]:
    """Every run folder under ``root`` (``root`` itself included) holding a ``results.json``.

    Raises:
        ResultsError: ``root`` is missing, or holds no ``results.json`` anywhere.
    """
    if not root.exists():
        raise ResultsError(f"{root} does not exist; pass a folder of runs written by embedlab run")
    if root.is_file():
        return [StoredRun(root.parent.name, root.parent, read_results(root))]
    found = sorted(p for p in root.rglob(RESULTS_JSON) if not _skipped(p, root))
    if not found:
        raise ResultsError(
            f"{root} holds no {RESULTS_JSON} (searched every subfolder); pass a folder of runs "
            "written by embedlab run"
        )
    runs = []
    for file in found:
        name = file.parent.relative_to(root).as_posix()
        runs.append(StoredRun(name if name != "." else root.name, file.parent, read_results(file)))
    return runs


def _skipped(path: Path, root: Path) -> bool:
    return any(part in _SKIP_DIRS for part in path.relative_to(root).parts)


class RunStore:
    """An in-memory DuckDB database over ``runs`` (see the module docstring for its tables)."""

    def __init__(self, runs: Sequence[StoredRun]) -> None:
        try:
            import duckdb
        except ImportError:
            raise MissingDependencyError(
                "duckdb", extra="store", purpose="querying runs with SQL (embedlab leaderboard)"
            ) from None
        self.runs = list(runs)
        self._con = duckdb.connect(":memory:")
        for name, table in tables(self.runs).items():
            self._con.register(name, table)

    def query(self, sql: str) -> QueryResult:
        """Run one SQL statement over the tables.

        Raises:
            ConfigError: the statement fails (the message names the tables and DuckDB's error).
        """
        import duckdb

        try:
            cursor = self._con.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = [tuple(r) for r in cursor.fetchall()] if columns else []
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"--sql failed: {first} (tables: {', '.join(TABLES)}; e.g. select * from "
                "metrics limit 5)"
            ) from None
        return QueryResult(columns, rows)

    def close(self) -> None:
        """Close the connection."""
        self._con.close()


def tables(runs: Sequence[StoredRun]) -> dict[str, pa.Table]:
    """The five Arrow tables of ``runs``."""
    return {
        "runs": _table(_run_rows(runs), _RUN_COLUMNS),
        "metrics": _table(_metric_rows(runs), _METRIC_COLUMNS),
        "speed": _table(_speed_rows(runs), _SPEED_COLUMNS),
        "environment": _table(_environment_rows(runs), _ENV_COLUMNS),
        "datasets": _table(_dataset_rows(runs), _DATASET_COLUMNS),
    }


_RUN_COLUMNS = {
    "run": pa.string(),
    "path": pa.string(),
    "embedlab_version": pa.string(),
    "status": pa.string(),
    "started_at": pa.string(),
    "finished_at": pa.string(),
    "models": pa.string(),
    "tasks": pa.string(),
}
_METRIC_COLUMNS = {
    "run": pa.string(),
    **{
        name: pa.int64()
        if name in ("k", "n")
        else pa.float64()
        if name in ("value", "ci_low", "ci_high")
        else pa.string()
        for name in MetricRow.model_fields
    },
    "split": pa.string(),
    "fingerprint": pa.string(),
    "position": pa.int64(),
}
_SPEED_TYPES = {"batch_size": pa.int64(), "n": pa.int64(), "threads": pa.int64(),
                "concurrency": pa.int64(), "value": pa.float64(), "unstable": pa.bool_(),
                "tokens_per_item": pa.float64()}  # fmt: skip
_SPEED_COLUMNS = {
    "run": pa.string(),
    **{name: _SPEED_TYPES.get(name, pa.string()) for name in SpeedRow.model_fields},
    "position": pa.int64(),
}
_ENV_COLUMNS = {"run": pa.string(), "key": pa.string(), "value": pa.string()}
_DATASET_COLUMNS = {
    "run": pa.string(),
    **{
        name: pa.int64() if name.startswith("n_") else pa.string()
        for name in DatasetInfo.model_fields
        if name != "details"
    },
}


def _table(rows: list[dict[str, Any]], columns: dict[str, pa.DataType]) -> pa.Table:
    schema = pa.schema(list(columns.items()))
    data = {name: [row.get(name) for row in rows] for name in columns}
    return pa.table(data, schema=schema)


def _run_rows(runs: Sequence[StoredRun]) -> list[dict[str, Any]]:
    out = []
    for run in runs:
        log = run.log
        out.append(
            {
                "run": run.name,
                "path": str(run.path),
                "embedlab_version": log.embedlab_version,
                "status": log.status,
                "started_at": log.started_at,
                "finished_at": log.finished_at,
                "models": ", ".join(
                    dict.fromkeys([*(r.model for r in log.metrics), *(r.model for r in log.speed)])
                ),
                "tasks": ", ".join(dict.fromkeys(r.task for r in log.metrics)),
            }
        )
    return out


def _metric_rows(runs: Sequence[StoredRun]) -> list[dict[str, Any]]:
    out = []
    for run in runs:
        data = {d.name: d for d in run.log.datasets}
        for position, row in enumerate(run.log.metrics):
            info = data.get(row.dataset)
            split, fingerprint = (info.split, info.fingerprint) if info else (None, None)
            out.append(
                {
                    "run": run.name,
                    **row.model_dump(),
                    "split": split,
                    "fingerprint": fingerprint,
                    "position": position,
                }
            )
    return out


def _speed_rows(runs: Sequence[StoredRun]) -> list[dict[str, Any]]:
    def cell(value: Any) -> Any:
        return json.dumps(value, sort_keys=True) if isinstance(value, dict) else value

    return [
        {"run": run.name, **{k: cell(v) for k, v in row.model_dump().items()},
         "position": position}
        for run in runs
        for position, row in enumerate(run.log.speed)
    ]  # fmt: skip


def _dataset_rows(runs: Sequence[StoredRun]) -> list[dict[str, Any]]:
    return [
        {"run": run.name, **d.model_dump(exclude={"details"})}
        for run in runs
        for d in run.log.datasets
    ]


def _environment_rows(runs: Sequence[StoredRun]) -> list[dict[str, Any]]:
    return [
        {"run": run.name, "key": key, "value": value}
        for run in runs
        for key, value in flatten(run.log.environment)
    ]


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``{"packages": {"torch": "2.1"}}`` → ``("packages.torch", "2.1")``; lists joined by ", "."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        yield prefix, ", ".join(str(v) for v in value)
    else:
        yield prefix, "" if value is None else str(value)
