"""Per-query outcomes as columnar (Parquet) tables.

Confidence intervals, significance tests and reports are computed from these files, never by
re-encoding. A table holds ``protocol``, ``query_id``, ``cluster_id`` and one or more numeric
outcome columns (``rank`` for retrieval, ``correct`` for pair choice, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab._atomic import write_atomic
from embedlab.errors import ResultsError

KEY_COLUMNS = ("protocol", "query_id", "cluster_id")


@dataclass(frozen=True)
class Outcomes:
    """Outcomes of one protocol: one entry per query, aligned arrays."""

    protocol: str
    query_ids: list[str]
    cluster_ids: list[str]
    values: dict[str, NDArray[np.generic]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.query_ids)
        if len(self.cluster_ids) != n or any(len(v) != n for v in self.values.values()):
            raise ResultsError(f"outcomes of protocol {self.protocol!r} have misaligned columns")


def write_outcomes(path: Path, tables: list[Outcomes]) -> None:
    """Write several protocols' outcomes into one Parquet file, atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = sorted({name for t in tables for name in t.values})
    columns: dict[str, list[object]] = {c: [] for c in (*KEY_COLUMNS, *names)}
    for table in tables:
        n = len(table.query_ids)
        columns["protocol"].extend([table.protocol] * n)
        columns["query_id"].extend(table.query_ids)
        columns["cluster_id"].extend(table.cluster_ids)
        for name in names:
            values = table.values.get(name)
            columns[name].extend(values.tolist() if values is not None else [None] * n)
    arrow = pa.table(columns)
    write_atomic(path, lambda handle: pq.write_table(arrow, handle))


def read_outcomes(path: Path) -> list[Outcomes]:
    """Read the tables written by :func:`write_outcomes`, one :class:`Outcomes` per protocol."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:
        raise ResultsError(f"cannot read outcomes file {path}: {exc}") from None
    missing = [c for c in KEY_COLUMNS if c not in table.column_names]
    if missing:
        raise ResultsError(f"outcomes file {path} lacks columns {missing}")
    data = table.to_pydict()
    protocols = np.asarray(data["protocol"], dtype=object)
    value_names = [c for c in table.column_names if c not in KEY_COLUMNS]
    result = []
    for protocol in dict.fromkeys(data["protocol"]):
        rows = np.flatnonzero(protocols == protocol)
        values = {
            name: np.asarray([data[name][i] for i in rows])
            for name in value_names
            if data[name][rows[0]] is not None
        }
        result.append(
            Outcomes(
                protocol=str(protocol),
                query_ids=[data["query_id"][i] for i in rows],
                cluster_ids=[data["cluster_id"][i] for i in rows],
                values=values,
            )
        )
    return result
