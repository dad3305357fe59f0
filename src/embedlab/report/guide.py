"""The model-selection guide, generated from the measurements.

Recommendations (each cites its numbers, and says which differences are not significant):

- **best quality**: the highest value of the primary metric (the first retrieval task's T2I R@1
  over all captions, else the first metric of the headline); the systems not significantly
  different from it (compare's Holm-adjusted test) are named;
- **fastest not significantly worse than the best**: among the best and the systems whose
  difference from it is not significant, the highest images/s (texts/s for text-only runs);
- **best under a latency budget** (``p99_ms``): among systems whose p99 latency of one call
  (text, smallest batch measured) is within the budget, the best primary metric;
- **best above a throughput floor** (``min_throughput``, images/s);
- **best on compositional tasks**: the highest Winoground-style group score (protocol ``all``),
  else SugarCrepe/ARO accuracy (``macro``, else ``all``/``pooled``).

"Not significantly different" is only stated when compare tested the pair; otherwise the guide
says the difference was not tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embedlab.report.document import Recommendation
from embedlab.report.inputs import ReportSystem
from embedlab.report.metric_tables import Spec, format_metric
from embedlab.report.significance import SignificanceIndex
from embedlab.report.speed import format_number
from embedlab.report.speed_view import SpeedRows, latency_p99, throughput
from embedlab.stats.comparison import PairResult

COMPOSITIONAL = (("group_score", ("all",)), ("accuracy", ("macro", "all", "pooled")))


@dataclass(frozen=True)
class GuideOptions:
    """Budgets of the guide: p99 latency (ms) and a throughput floor (images/s)."""

    p99_ms: float | None = None
    min_throughput: float | None = None


def _value(system: ReportSystem, spec: Spec) -> float | None:
    row = system.rows.get((spec.task, spec.protocol, spec.metric))
    return None if row is None else row.value


def _quote(system: ReportSystem, spec: Spec) -> str:
    row = system.rows[(spec.task, spec.protocol, spec.metric)]
    text = f"{spec.group} {spec.label} {format_metric(row.value, spec.metric)}%"
    if row.ci_low is not None and row.ci_high is not None:
        low, high = format_metric(row.ci_low, spec.metric), format_metric(row.ci_high, spec.metric)
        text += f" [{low}, {high}]"
    return text


def _pair_text(pair: PairResult | None, other: ReportSystem, settings_test: str) -> str:
    if pair is None:
        return f"{other.label}: difference not tested"
    p = pair.p_permutation_holm if settings_test == "permutation" else pair.p_bootstrap_holm
    verdict = "significant" if pair.significant else "not significant"
    return f"{other.label}: Δ {abs(pair.difference) * 100:.1f} points, Holm p = {p:.3g} ({verdict})"


def _ties(
    best: ReportSystem, ranked: Sequence[ReportSystem], spec: Spec, index: SignificanceIndex
) -> tuple[list[ReportSystem], list[str]]:
    """Systems not significantly different from ``best`` (tested), and a line per other system."""
    settings = index.settings()
    test = settings.test if settings else "permutation"
    table = (spec.task, spec.protocol, spec.metric)
    same, lines = [], []
    for other in ranked:
        if other is best:
            continue
        pair = index.pair(best.key, other.key, table)
        if pair is not None and not pair.significant:
            same.append(other)
        lines.append(_pair_text(pair, other, test))
    return same, lines


def selection_guide(
    systems: Sequence[ReportSystem],
    primary: Spec | None,
    compositional: Spec | None,
    index: SignificanceIndex,
    speed: SpeedRows,
    options: GuideOptions,
) -> list[Recommendation]:
    """The recommendations that the measurements support (see the module docstring)."""
    out: list[Recommendation] = []
    if primary is not None:
        ranked = _ranked(systems, primary)
        if ranked:
            out += _quality_and_speed(ranked, primary, index, speed, options)
    if compositional is not None:
        ranked = _ranked(systems, compositional)
        if ranked:
            best = ranked[0]
            same, lines = _ties(best, ranked, compositional, index)
            out.append(
                Recommendation(
                    "Best on compositional tasks",
                    best.label,
                    f"{_quote(best, compositional)}. " + _versus(lines, same),
                )
            )
    return out


def _ranked(systems: Sequence[ReportSystem], spec: Spec) -> list[ReportSystem]:
    have = [s for s in systems if _value(s, spec) is not None]
    return sorted(have, key=lambda s: -(_value(s, spec) or 0.0))


def _versus(lines: list[str], same: list[ReportSystem]) -> str:
    if not lines:
        return "It is the only system measured."
    text = "Against it — " + "; ".join(lines) + "."
    if same:
        names = ", ".join(s.label for s in same)
        text += f" Not significantly different from the best: {names}."
    return text


def _quality_and_speed(
    ranked: list[ReportSystem],
    spec: Spec,
    index: SignificanceIndex,
    speed: SpeedRows,
    options: GuideOptions,
) -> list[Recommendation]:
    best = ranked[0]
    same, lines = _ties(best, ranked, spec, index)
    out = [
        Recommendation("Best quality", best.label, f"{_quote(best, spec)}. " + _versus(lines, same))
    ]
    modality = "image" if any(throughput(s, speed, "image") for s in ranked) else "text"
    unit = "images/s" if modality == "image" else "texts/s"
    pool = [best, *same]
    fast = [(s, f) for s in pool if (f := throughput(s, speed, modality)) is not None]
    if fast:
        choice, figure = max(fast, key=lambda sf: sf[1].row.value)
        reason = (
            f"{format_number(figure.row.value)} {unit} (batch {figure.row.batch_size}, "
            f"{figure.row.runtime} {figure.row.precision}); {_quote(choice, spec)}."
        )
        if choice is best:
            reason += " No system that is not significantly worse is faster."
        else:
            reason += f" Its difference from {best.label} is not significant."
        out.append(
            Recommendation("Fastest not significantly worse than the best", choice.label, reason)
        )
    if options.p99_ms is not None:
        out.append(_latency(ranked, spec, speed, options.p99_ms))
    if options.min_throughput is not None:
        out.append(_floor(ranked, spec, speed, options.min_throughput, modality, unit))
    return out


def _latency(
    ranked: list[ReportSystem], spec: Spec, speed: SpeedRows, budget: float
) -> Recommendation:
    use = f"Best under a p99 latency budget of {budget:g} ms"
    measured = [(s, f) for s in ranked if (f := latency_p99(s, speed, "text")) is not None]
    within = [(s, f) for s, f in measured if f.row.value <= budget]
    if not within:
        seen = ", ".join(f"{s.label} {format_number(f.row.value)} ms" for s, f in measured)
        return Recommendation(
            use, "none", f"No system meets it (text p99: {seen or 'none measured'})."
        )
    choice, figure = within[0]
    reason = (
        f"text p99 {format_number(figure.row.value)} ms at batch {figure.row.batch_size}; "
        f"{_quote(choice, spec)}."
    )
    if choice is not ranked[0]:
        reason += f" Best overall ({ranked[0].label}) is outside the budget or unmeasured."
    return Recommendation(use, choice.label, reason)


def _floor(
    ranked: list[ReportSystem],
    spec: Spec,
    speed: SpeedRows,
    floor: float,
    modality: str,
    unit: str,
) -> Recommendation:
    use = f"Best at ≥ {floor:g} {unit}"
    measured = [(s, f) for s in ranked if (f := throughput(s, speed, modality)) is not None]
    above = [(s, f) for s, f in measured if f.row.value >= floor]
    if not above:
        seen = ", ".join(f"{s.label} {format_number(f.row.value)}" for s, f in measured)
        return Recommendation(use, "none", f"No system reaches it ({unit}: {seen or 'none'}).")
    choice, figure = above[0]
    return Recommendation(
        use, choice.label, f"{format_number(figure.row.value)} {unit}; {_quote(choice, spec)}."
    )
