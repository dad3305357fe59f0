"""Resume state of a run: one finished (model, task) "part" per file under ``<out>/.embedlab``.

A part is written atomically when its task finishes, holding its metric rows, dataset identity
and outcomes table. A re-run with the same key reuses the part and recomputes nothing; a run
interrupted after some parts resumes from the next. The final ``results.json`` is assembled
from the parts and written last (:mod:`embedlab.results.publish`); after it is published, parts
the run did not use (an earlier, different run's) are pruned.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from embedlab._atomic import write_text_atomic
from embedlab.results.schema import DatasetInfo, EncodeTiming, MetricRow

STATE_DIR = ".embedlab"


class Part(BaseModel):
    """What one finished (model, task) contributes to the RunLog."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    model: str
    task: str
    dataset: DatasetInfo
    metrics: list[MetricRow]
    timings: list[EncodeTiming]
    outcome_columns: list[str]
    notes: list[str] = []
    #: ``embedding_dim`` / ``parameters`` observed while the part ran (for the report).
    model_info: dict[str, int] = {}


class PartStore:
    """Parts of the run writing into ``out_dir``."""

    def __init__(self, out_dir: Path) -> None:
        self.root = out_dir / STATE_DIR / "parts"

    def json_path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def outcomes_path(self, key: str) -> Path:
        return self.root / f"{key}.parquet"

    def load(self, key: str) -> Part | None:
        """The stored part for ``key``, or None if absent or unreadable (then it is recomputed)."""
        path = self.json_path(key)
        if not path.exists() or not self.outcomes_path(key).exists():
            return None
        try:
            return Part.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError):
            return None

    def save(self, part: Part) -> None:
        """Store ``part`` (its outcomes file must already be at :meth:`outcomes_path`)."""
        write_text_atomic(self.json_path(part.key), part.model_dump_json(indent=1))

    def published_name(self, part: Part) -> str:
        """Where ``part``'s outcomes are published, relative to the run folder.

        ``outcomes/<model>__<task>__<digest>.parquet``: the digest is the part key's, so a name
        never changes meaning (see :mod:`embedlab.results.publish`).
        """
        digest = part.key.rsplit("__", 1)[-1]
        return f"outcomes/{_slug(part.model)}__{part.task}__{digest}.parquet"

    def prune(self, keep: set[str]) -> None:
        """Remove stored parts whose key is not in ``keep`` (call after publishing)."""
        if not self.root.is_dir():
            return
        for path in self.root.iterdir():
            if path.suffix in (".json", ".parquet") and path.stem not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")
