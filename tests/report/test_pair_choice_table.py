"""The pair-choice markdown tables: Winoground columns text / image / group, accuracy rows."""

from __future__ import annotations

from embedlab.report.pair_choice import pair_choice_table
from embedlab.results.schema import MetricRow


def row(task: str, protocol: str, metric: str, value: float, n: int, **extra: object) -> MetricRow:
    return MetricRow(
        model="m", runtime="torch", precision="fp32", task=task, dataset=task,
        protocol=protocol, metric=metric, value=value, n=n, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_winoground_columns_in_paper_order_with_chance_note() -> None:
    rows = [
        row("winoground", "all", "group_score", 0.08, 400),
        row("winoground", "all", "image_score", 0.105, 400),
        row("winoground", "all", "text_score", 0.3075, 400),
        row("winoground", "tag=Object", "text_score", 0.4, 141),
    ]
    table = pair_choice_table(rows)
    lines = table.splitlines()
    assert lines[0] == "| model | task | protocol | Text score | Image score | Group score | n |"
    assert lines[2] == "| m | winoground | all | 30.8 | 10.5 | 8.0 | 400 |"
    assert lines[3] == "| m | winoground | tag=Object | 40.0 | – | – | 141 |"
    assert "tie counts as wrong" in table and "25.0, image 25.0, group 16.67" in table
    assert table.index("Text score") < table.index("Image score") < table.index("Group score")


def test_accuracy_rows_and_intervals() -> None:
    rows = [
        row("sugarcrepe", "swap_obj", "accuracy", 0.6, 245, ci_low=0.55, ci_high=0.66,
            ci_method="percentile-bootstrap"),
        row("aro-vg-relation", "macro", "accuracy", 0.59, 23937),
        row("coco-karpathy", "t2i", "recall@1", 0.3, 25010),
    ]  # fmt: skip
    table = pair_choice_table(rows)
    assert "| m | sugarcrepe | swap_obj | 60.0 [55.0, 66.0] | 245 |" in table
    assert "| m | aro-vg-relation | macro | 59.0 | 23937 |" in table
    assert "recall" not in table and "Text score" not in table
    assert "strictly higher" in table and "percentile-bootstrap" in table
    assert pair_choice_table(rows[2:]) == ""
