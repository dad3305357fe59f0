"""Markdown tables of a :class:`~embedlab.verbs.compare.Comparison`.

Per (task, protocol, metric): a table of systems, each value followed by the superscript letters
of the systems it is significantly better than (as ranx does: ``46.3ᵃᶜ``), and a pairwise table
(Δ in points, its CI, p of the chosen test, Holm-adjusted p, W/T/L, significance). One footnote,
after the last table, states the test, the correction, its family and α. Values are shown in
percent; protocols are named as in ``embedlab run``'s tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab.report.tables import protocol_label
from embedlab.stats.comparison import CompareSettings, Comparison, MetricComparison, PairResult

SUPERSCRIPTS = dict(zip("abcdefghijklmnopqrstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖ𐞥ʳˢᵗᵘᵛʷˣʸᶻ", strict=True))
TEST_NAMES = {
    "permutation": "two-sided paired permutation test (sign flips of whole clusters)",
    "bootstrap": "two-sided paired bootstrap test (resampling whole clusters, shifted null)",
}


def comparison_markdown(comparison: Comparison) -> str:
    """All tables of ``comparison``, then one footnote that holds for all of them."""
    blocks = [metric_markdown(result, comparison.settings) for result in comparison.results]
    if comparison.results:
        blocks.append(footnote(comparison.results, comparison.settings))
    if comparison.skipped:
        blocks.append("Not compared: " + "; ".join(comparison.skipped) + ".")
    return "\n\n".join(blocks)


def metric_markdown(result: MetricComparison, settings: CompareSettings) -> str:
    """Title, systems table and pairwise table of one (task, protocol, metric).

    The protocol is named as in ``embedlab run``'s tables (``t2i-first (first caption)``).
    """
    units = (
        "each query is its own resampling unit"
        if result.n_clusters == result.n_queries
        else f"{result.n_clusters:,} clusters resampled as units"
    )
    title = f"### {result.task} · {protocol_label(result.protocol)} · {result.metric}"
    subtitle = f"{result.n_queries:,} queries; {units}."
    return "\n\n".join(
        [title, subtitle, systems_table(result, settings), pairs_table(result, settings)]
    )


def systems_table(result: MetricComparison, settings: CompareSettings) -> str:
    """``| | system | metric (%) | CI |`` with superscript letters after the value."""
    level = f"{settings.level * 100:g}%"
    lines = [f"| | system | {result.metric} (%) | {level} CI |", "|---|---|---:|---|"]
    for s in result.systems:
        marks = "".join(SUPERSCRIPTS[letter] for letter in s.better_than)
        ci = "–"
        if s.ci_low is not None and s.ci_high is not None:
            ci = f"[{s.ci_low * 100:.1f}, {s.ci_high * 100:.1f}]"
        lines.append(f"| {s.letter} | {s.label} | {s.value * 100:.1f}{marks} | {ci} |")
    return "\n".join(lines)


def pairs_table(result: MetricComparison, settings: CompareSettings) -> str:
    """One row per pair: Δ, CI of Δ, p, Holm p, W/T/L, (McNemar p), significant."""
    letters = {s.label: s.letter for s in result.systems}
    mcnemar = any(p.p_mcnemar is not None for p in result.pairs)
    level = f"{settings.level * 100:g}%"
    header = ["A vs B", "Δ (points)", f"{level} CI of Δ", f"p ({settings.test})", "p Holm",
              "W/T/L"]
    header += ["McNemar p"] if mcnemar else []
    lines = ["| " + " | ".join([*header, "significant"]) + " |", "|---" * (len(header) + 1) + "|"]
    for pair in result.pairs:
        cells = [
            f"{letters[pair.a]} vs {letters[pair.b]}",
            f"{pair.difference * 100:+.1f}",
            _delta_ci(pair),
            *_p_cells(pair, settings),
            f"{pair.wins}/{pair.ties}/{pair.losses}",
        ]
        if mcnemar:
            cells.append(format_p(pair.p_mcnemar))
        cells.append("yes" if pair.significant else "no")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def footnote(results: Sequence[MetricComparison], settings: CompareSettings) -> str:
    """What the letters, the test, the correction and α mean — once for all ``results``."""
    sizes = {len(r.pairs) for r in results}
    where = "this table" if len(results) == 1 else "each table"
    family = f"the pairs of {where}"
    if len(sizes) == 1:
        (m,) = sizes
        family = f"the {m} pair{'s' if m != 1 else ''} of {where}"
    sources = {s.ci_source for r in results for s in r.systems} - {None}
    computed = f"bootstrapped here (B = {settings.resamples})"
    ci_text = "the runs' stored intervals where present, else " + computed
    if sources == {"run"}:
        ci_text = "the runs' stored intervals"
    elif sources == {"computed"}:
        ci_text = computed
    text = (
        f"Superscript letters mark the systems a value is significantly better than: "
        f"{TEST_NAMES[settings.test]}, B = {settings.resamples}, seed {settings.seed}; "
        f"Holm correction over {family}; significant when the Holm-adjusted p ≤ "
        f"α = {settings.alpha:g}. Δ = A − B in percentage points with a paired bootstrap CI; "
        f"W/T/L = queries where A is better / equal / worse. Value CIs: {ci_text}."
    )
    if any(p.p_mcnemar is not None for r in results for p in r.pairs):
        text += " McNemar p (exact, binary outcomes) is uncorrected and ignores clusters."
    return "_" + text + "_"


def format_p(p: float | None) -> str:
    """``<0.001``, ``0.042`` or ``–`` when there is no p-value."""
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _p_cells(pair: PairResult, settings: CompareSettings) -> list[str]:
    if settings.test == "permutation":
        return [format_p(pair.p_permutation), format_p(pair.p_permutation_holm)]
    return [format_p(pair.p_bootstrap), format_p(pair.p_bootstrap_holm)]


def _delta_ci(pair: PairResult) -> str:
    if pair.ci_low is None or pair.ci_high is None:
        return "–"
    return f"[{pair.ci_low * 100:+.1f}, {pair.ci_high * 100:+.1f}]"
