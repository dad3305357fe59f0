"""What ``compare`` found, indexed for the report: group letters and pairwise results per system.

A system of the report is ``(run folder, model)``, the same unit as a system of ``compare``
(:mod:`embedlab.results.systems`). For each compared (task, protocol, metric) the letters are the
compact letter display (:mod:`embedlab.report.letters`) of compare's ``significant`` flags:
systems sharing a letter are not significantly different (Holm-adjusted, at compare's α).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embedlab.report.letters import letter_groups
from embedlab.stats.comparison import CompareSettings, Comparison, MetricComparison, PairResult

SystemKey = tuple[str, str]  # (resolved run folder, model)
TableKey = tuple[str, str, str]  # (task, protocol, metric)


def system_key(run: Path | str, model: str) -> SystemKey:
    """The key of ``model`` in the run folder ``run``."""
    return (str(Path(run).resolve()), model)


@dataclass(frozen=True)
class Tested:
    """One compared table and the report's key of each compare label."""

    result: MetricComparison
    keys: dict[str, SystemKey]
    settings: CompareSettings


@dataclass
class SignificanceIndex:
    """Every compared table, by (task, protocol, metric) and system; ``problems`` say what was
    not compared and why (one line each)."""

    tables: list[Tested] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls, comparisons: Sequence[Comparison], problems: Sequence[str] = ()
    ) -> SignificanceIndex:
        """Index ``comparisons`` (each from one call of ``compare``)."""
        index = cls(problems=list(problems))
        for comparison in comparisons:
            keys = {s.label: system_key(s.run, s.model) for s in comparison.systems}
            index.tables += [Tested(r, keys, comparison.settings) for r in comparison.results]
        return index

    def find(self, system: SystemKey, table: TableKey) -> Tested | None:
        """The compared table holding ``system``, if any."""
        for tested in self.tables:
            r = tested.result
            if (r.task, r.protocol, r.metric) == table and system in tested.keys.values():
                return tested
        return None

    def letters(self, system: SystemKey, table: TableKey) -> str:
        """The group letters of ``system`` in ``table`` ('' when not compared)."""
        tested = self.find(system, table)
        if tested is None:
            return ""
        ranked = sorted(tested.result.systems, key=lambda s: -s.value)
        significant = [frozenset((p.a, p.b)) for p in tested.result.pairs if p.significant]
        groups = letter_groups([s.label for s in ranked], significant)
        label = next(k for k, v in tested.keys.items() if v == system)
        return groups[label]

    def pair(self, a: SystemKey, b: SystemKey, table: TableKey) -> PairResult | None:
        """The pairwise result of ``a`` and ``b`` (in either order), if they were compared."""
        tested = self.find(a, table)
        if tested is None or b not in tested.keys.values():
            return None
        labels = {v: k for k, v in tested.keys.items()}
        wanted = {labels[a], labels[b]}
        return next((p for p in tested.result.pairs if {p.a, p.b} == wanted), None)

    def settings(self) -> CompareSettings | None:
        """The settings of the comparisons (they share them), if any."""
        return self.tables[0].settings if self.tables else None
