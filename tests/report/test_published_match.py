"""Measured rows against published numbers: Δ on an exact match, a flag (never a Δ) otherwise."""

from __future__ import annotations

import pytest

from embedlab.models.presets import preset_model
from embedlab.report.published import published_entries
from embedlab.report.published_match import compare_row, format_delta, measured_protocol
from embedlab.results.schema import MetricRow

B16 = "hf:openai/clip-vit-base-patch16"  # preset clip-vit-b-16
JINA = "remote:jinaai/jina-clip-v1"


def row(model: str = B16, protocol: str = "t2i", metric: str = "recall@1", value: float = 0.3409,
        n: int = 25010, dataset: str = "coco-karpathy", **kw: object) -> MetricRow:  # fmt: skip
    fields: dict[str, object] = dict(model=model, runtime="torch", precision="fp32",
                                     task=dataset, dataset=dataset, protocol=protocol,
                                     metric=metric, value=value, n=n)  # fmt: skip
    return MetricRow(**{**fields, **kw})  # type: ignore[arg-type]


def test_exact_match_gives_the_delta_in_points() -> None:
    (c,) = compare_row(row(), split="test", device="cpu")
    assert c.matched and c.flag == ""
    assert c.entry.source.id == "openclip-retrieval" and c.entry.value == 33.09
    assert c.delta == pytest.approx(34.09 - 33.09)
    assert c.delta is not None and format_delta(c.delta) == "+1.0"
    assert format_delta(-0.44) == "−0.4"
    assert c.notes == ("published precision not stated; measured in fp32",)
    # the same row stored as metric="recall", k=1
    (same,) = compare_row(row(metric="recall", k=1))
    assert same.delta == pytest.approx(1.0)


def test_i2t_matches_both_sources_and_notes_precision_and_device() -> None:
    model = preset_model("clip-vit-l-14-336")
    found = compare_row(row(model, "i2t", value=0.60, n=5000), split="test", device="cpu")
    by_source = {c.entry.source.id: c for c in found}
    assert set(by_source) == {"reference-report", "openclip-retrieval"}
    assert all(c.matched for c in found)
    assert by_source["reference-report"].delta == pytest.approx(60.0 - 58.0)
    assert by_source["openclip-retrieval"].delta == pytest.approx(60.0 - 57.94)
    assert by_source["reference-report"].notes == (
        "published in bf16, measured in fp32",
        "published on NVIDIA A40, measured on cpu",
    )


def test_protocol_mismatch_is_flagged_never_a_delta() -> None:
    found = compare_row(row(JINA, "t2i"), split="test")
    assert [c.entry.protocol for c in found] == ["t2i-first"]  # not I2T: another direction
    (c,) = found
    assert not c.matched and c.delta is None
    assert c.flag == (
        "protocol differs: published t2i-first (first caption), measured t2i (all captions)"
    )
    # t2i-first of a model with only all-caption numbers: flagged against them, i2t left alone
    flagged = compare_row(row(B16, "t2i-first", n=5000))
    assert [(c.entry.protocol, c.delta) for c in flagged] == [("t2i", None)]
    # an exact match hides the other protocol's numbers
    exact = compare_row(row(preset_model("clip-vit-l-14-336"), "t2i-first", n=5000))
    assert [(c.entry.source.id, c.matched) for c in exact] == [("reference-report", True)]


@pytest.mark.parametrize(
    ("changes", "split", "reason"),
    [
        ({"n": 1000}, "test", "published on 25,010 queries, measured on 1,000"),
        ({}, "val", "split differs: published test, measured val"),
        ({"model": B16 + "?dim=256"}, "test", "measured with ?dim=256, the published model"),
    ],
)
def test_other_differences_are_flagged(changes: dict[str, object], split: str, reason: str) -> None:
    (c,) = compare_row(row(**changes), split=split)  # type: ignore[arg-type]
    assert c.delta is None and reason in c.flag


def test_no_match_no_comparison() -> None:
    assert compare_row(row("fake:16")) == []
    assert compare_row(row("arch:openai/clip-vit-base-patch16")) == []
    assert compare_row(row(JINA, dataset="flickr30k", n=5000)) == []  # nothing published
    assert compare_row(row(B16, metric="mrr")) == []
    wino = "hf:openai/clip-vit-base-patch32"
    assert compare_row(row(wino, "tag=Object", "group_score", 0.1, 100, "winoground")) == []


def test_winoground_all_is_the_official_strict_protocol() -> None:
    b32 = "hf:openai/clip-vit-base-patch32"
    measured = row(b32, "all", "text_score", 0.3075, 400, "winoground")
    assert measured_protocol(measured) == "strict"
    (c,) = compare_row(measured, split="test")
    assert c.matched and c.delta == pytest.approx(0.0) and c.entry.source.id == "winoground-paper"


def test_every_published_quality_number_is_reachable() -> None:
    """A measured row built from each entry's own description matches it exactly, Δ = +1."""
    for e in published_entries():
        if e.kind != "quality":
            continue
        model = preset_model(e.preset) if e.preset else e.models[0]
        protocol = "all" if e.protocol == "strict" else e.protocol
        measured = row(model, protocol, e.metric, e.value / 100 + 0.01, e.n or 1, e.dataset)
        matched = [c for c in compare_row(measured, e.split) if c.entry == e]
        assert len(matched) == 1 and matched[0].matched, e
        assert matched[0].delta == pytest.approx(1.0)
