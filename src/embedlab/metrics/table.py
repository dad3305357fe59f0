"""The one metric table: a metric name → its per-query values, computed from outcome columns.

Every metric embedlab reports is an entry here. A task saves per-query *outcome columns* (the
``rank`` of the first positive, a 0/1 ``correct``, a per-query ``ndcg_at_10``...) and asks the
table for the metrics it reports; confidence intervals resample the same per-query arrays, and
``compare`` rebuilds them from the saved outcome files through the same entries. So a metric's
name and formula live in exactly one place.

Entries are registered by the module that holds the metric's formulas
(:mod:`~embedlab.metrics.retrieval`, :mod:`~embedlab.metrics.classification`,
:mod:`~embedlab.metrics.ranking`, :mod:`~embedlab.metrics.pair_choice`); the table imports
every module of this package on first use, so a new metric is one entry in one module.

Names: a literal (``mrr``) or a family with a cut-off, written ``name@K`` (``recall@K`` matches
``recall@5``; K is a positive integer). Several entries may share a name: the first one whose
columns are all present wins. ``recall@K`` is thus the graded recall of a BEIR-style table (it
has ``recall_at_K``) and the hit rate ``[rank <= K]`` of an image–text retrieval table (it has
``rank``). Last, any outcome column of numbers in [0, 1] is a metric of its own name (its mean).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.core.values import MetricValue, Statistic
from embedlab.errors import ConfigError

Columns = Mapping[str, NDArray[Any]]
FloatArray = NDArray[np.float64]
#: ``per_query(columns, k)``: one float64 value per query (``k`` is None for literal names).
PerQuery = Callable[[Columns, "int | None"], FloatArray]

_CUTOFF = "@K"


@dataclass(frozen=True)
class MetricDef:
    """One entry of the table.

    Attributes:
        name: ``recall@K`` (a family with a cut-off) or a literal such as ``mrr``.
        needs: outcome columns the entry reads; ``{k}`` is replaced by the cut-off.
        per_query: the per-query values (their ``statistic`` is the metric).
        row: how RunLog rows name it; ``{k}`` is replaced by the cut-off (default: the name with
            ``@K`` → ``@k``, e.g. ``recall@5``).
        statistic: ``mean`` (default) or ``median``.
        comparable: a mean of per-query values where higher is better, so the paired tests of
            ``compare`` apply (False for ranks).
        formula: one line for listings and errors.
    """

    name: str
    needs: tuple[str, ...]
    per_query: PerQuery
    row: str = ""
    statistic: Statistic = "mean"
    comparable: bool = True
    formula: str = ""

    def match(self, name: str) -> tuple[bool, int | None]:
        """Whether ``name`` is this entry, and its cut-off."""
        if not self.name.endswith(_CUTOFF):
            return name == self.name, None
        found = re.fullmatch(re.escape(self.name[: -len(_CUTOFF)]) + r"@([1-9][0-9]*)", name)
        return (found is not None, int(found[1]) if found else None)

    def columns(self, k: int | None) -> tuple[str, ...]:
        """The columns this entry reads for cut-off ``k``."""
        return tuple(c.format(k=k) for c in self.needs)

    def row_name(self, k: int | None) -> str:
        """The ``metric`` field of this entry's RunLog rows."""
        template = self.row or self.name.replace(_CUTOFF, "@{k}")
        return template.format(k=k)


class MetricTable:
    """Ordered metric entries, filled by the modules of ``autoload`` on first use."""

    def __init__(self, autoload: str | None = None) -> None:
        self._entries: list[MetricDef] = []
        self._autoload = autoload

    def _load(self) -> None:
        if self._autoload is None:
            return
        package, self._autoload = self._autoload, None
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package}.{info.name}")

    def register(self, entry: MetricDef) -> MetricDef:
        """Add ``entry`` (after the ones registered before it)."""
        self._entries.append(entry)
        return entry

    def entries(self) -> list[MetricDef]:
        """Every entry, in resolution order."""
        self._load()
        return list(self._entries)

    def resolve(self, name: str, columns: Iterable[str]) -> tuple[MetricDef, int | None] | None:
        """The entry (and cut-off) computing ``name`` from tables with these ``columns``."""
        have = set(columns)
        for entry in self.entries():
            matched, k = entry.match(name)
            if matched and set(entry.columns(k)) <= have:
                return entry, k
        if name in have:
            return _column_entry(name), None
        return None

    def known(self, name: str) -> MetricDef | None:
        """The first entry named ``name`` whatever the columns (None: not in the table)."""
        for entry in self.entries():
            if entry.match(name)[0]:
                return entry
        return None

    def derivable(self, name: str, columns: Iterable[str]) -> bool:
        """Whether ``name`` can be computed from tables with these ``columns``."""
        return self.resolve(name, columns) is not None

    def per_query(self, name: str, columns: Columns, where: str = "columns") -> FloatArray | None:
        """Per-query values of ``name`` from one outcome table, or None if not derivable.

        Raises:
            ConfigError: ``name`` is a bare column whose values are not numbers in [0, 1].
        """
        found = self.resolve(name, columns)
        if found is None:
            return None
        entry, k = found
        if self.known(name) is None:  # a bare outcome column
            _check_unit_interval(name, columns[name], where)
        return entry.per_query(columns, k)

    def value(
        self,
        name: str,
        protocol: str,
        columns: Columns,
        clusters: NDArray[np.int64] | None = None,
    ) -> MetricValue:
        """The :class:`MetricValue` of ``name`` over one outcome table (rows named by the entry).

        Raises:
            ConfigError: no entry computes ``name`` from these columns.
        """
        found = self.resolve(name, columns)
        if found is None:
            raise ConfigError(
                f"metric {name!r} cannot be computed from outcome columns "
                f"{', '.join(sorted(columns))}; known metrics: {', '.join(self.names())}"
            )
        entry, k = found
        values = entry.per_query(columns, k)
        stat = float(np.median(values)) if entry.statistic == "median" else float(values.mean())
        return MetricValue(
            protocol=protocol,
            metric=entry.row_name(k),
            value=stat,
            n=int(values.size),
            k=k,
            per_query=values,
            clusters=clusters,
            statistic=entry.statistic,
        )

    def names(self) -> list[str]:
        """The distinct entry names, in table order."""
        return list(dict.fromkeys(e.name for e in self.entries()))


def _column_entry(name: str) -> MetricDef:
    return MetricDef(
        name=name,
        needs=(name,),
        per_query=lambda columns, k: np.asarray(columns[name]).astype(np.float64),
        formula=f"mean of the outcome column {name!r}",
    )


def _check_unit_interval(name: str, column: NDArray[Any], where: str) -> None:
    arr = np.asarray(column)
    if arr.dtype.kind not in "biuf" or not ((arr >= 0) & (arr <= 1)).all():
        raise ConfigError(
            f"--metric {name}: outcome column {name!r} of {where} is not a per-query score in "
            "[0, 1]; compare recall@K or mrr (from ranks) or a 0/1 column"
        )


#: The table every task, interval and comparison uses.
METRICS = MetricTable(autoload="embedlab.metrics")
