"""``index.csv``: the IndexRows of a study as one flat table (``details`` as JSON text)."""

from __future__ import annotations

import csv
import io
import json

from embedlab.results.schema import IndexRow


def index_csv(rows: list[IndexRow]) -> str:
    """CSV text with a header, one row per IndexRow, columns in schema order."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(IndexRow.model_fields))
    writer.writeheader()
    for row in rows:
        record = row.model_dump()
        record["details"] = "" if row.details is None else json.dumps(row.details, sort_keys=True)
        writer.writerow(record)
    return buffer.getvalue()
