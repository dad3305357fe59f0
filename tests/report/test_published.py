"""The published-numbers table: it parses, every number has a source and a model, and the values
agree with independent transcriptions (the shared protocol notes' tables, typed here by hand)."""

from __future__ import annotations

import re

import pytest

from embedlab.errors import ConfigError
from embedlab.models.presets import PRESETS
from embedlab.report import published
from embedlab.report.published import entries_for, published_entries, published_sources

SEED_SEVEN = (
    "dfn5b-clip-vit-h-14-378",
    "clip-vit-h-14-laion2b",
    "metaclip-h14-fullcc2.5b",
    "colpali-v1.3",
    "jina-clip-v1",
    "siglip-so400m-patch14-384",
    "clip-vit-l-14-336",
)


def _value(preset: str, source: str, dataset: str, protocol: str, metric: str) -> float:
    found = [
        e.value
        for e in published_entries()
        if (e.preset, e.source.id, e.dataset, e.protocol, e.metric)
        == (preset, source, dataset, protocol, metric)
    ]
    assert len(found) == 1, (preset, source, dataset, protocol, metric)
    return found[0]


def test_every_entry_has_a_source_and_a_known_model() -> None:
    entries = published_entries()
    assert len(entries) == 7 * 5 + 7 * 12 + 3
    for e in entries:
        assert e.preset in PRESETS or (e.preset == "" and e.models), e
        assert e.source.id in published_sources()
        assert e.source.title and e.source.citation and e.source.reference
        if e.source.repository:  # a file: repository, path and the full commit read
            assert e.source.path and re.fullmatch(r"[0-9a-f]{40}", e.source.commit)
        assert e.source.transcription and e.location, e
        assert e.kind in ("quality", "throughput") and e.split == "test"
        assert float(e.text) == e.value
    keys = [(e.model_label, e.dataset, e.protocol, e.metric, e.source.id) for e in entries]
    assert len(set(keys)) == len(keys)  # one line per published number


def test_the_reference_report_table_as_published() -> None:
    """The seven models' T2I (first caption) R@1/5/10, I2T R@1 and QPS, typed from the notes."""
    t2i = [(50.1, 74.1, 82.6), (46.3, 70.9, 79.7), (45.8, 70.6, 79.5), (44.9, 68.3, 77.6),
           (39.3, 64.6, 74.2), (35.4, 59.1, 68.1), (34.4, 59.1, 69.1)]  # fmt: skip
    i2t = [69.7, 66.3, 65.9, 48.8, 55.3, 45.1, 58.0]
    qps = [34.4, 83.8, 76.3, 2.9, 25.8, 47.1, 60.6]
    for preset, recalls, i2t_r1, rate in zip(SEED_SEVEN, t2i, i2t, qps, strict=True):
        for k, value in zip((1, 5, 10), recalls, strict=True):
            got = _value(preset, "reference-report", "coco-karpathy", "t2i-first", f"recall@{k}")
            assert got == value
        assert _value(preset, "reference-report", "coco-karpathy", "i2t", "recall@1") == i2t_r1
        assert _value(preset, "reference-report", "coco-karpathy", "encode", "images/s") == rate
    colpali = [e for e in entries_for("colpali-v1.3") if e.kind == "throughput"]
    assert [(e.batch_size, e.precision, e.device) for e in colpali] == [(4, "bf16", "NVIDIA A40")]


def test_open_clip_rows_against_an_independent_transcription() -> None:
    """ViT-L/14-336 (OpenAI) R@1 as the shared protocol notes' table gives it."""
    src, preset = "openclip-retrieval", "clip-vit-l-14-336"
    assert _value(preset, src, "coco-karpathy", "t2i", "recall@1") == 37.09
    assert _value(preset, src, "coco-karpathy", "i2t", "recall@1") == 57.94
    assert _value(preset, src, "flickr30k", "t2i", "recall@1") == 66.90
    assert _value(preset, src, "flickr30k", "i2t", "recall@1") == 87.70
    # every open_clip value is 100 x the fraction quoted in its location, unrounded
    for e in published_entries():
        if e.source.id == src:
            fraction = re.search(r"\((0\.\d{4})\)$", e.location)
            assert fraction is not None, e.location
            assert e.text == f"{float(fraction.group(1)) * 100:.2f}"
    covered = {e.preset for e in published_entries() if e.source.id == src}
    assert covered == set(SEED_SEVEN) - {"colpali-v1.3", "jina-clip-v1"} | {
        "siglip-base-patch16-224",
        "clip-vit-b-16",
    }


def test_winoground_paper_clip_row() -> None:
    rows = {e.metric: e.text for e in entries_for("hf:openai/clip-vit-base-patch32")}
    assert rows == {"text_score": "30.75", "image_score": "10.50", "group_score": "8.00"}
    b32 = entries_for("hf:openai/clip-vit-base-patch32")
    assert entries_for("open_clip:ViT-B-32/openai") == b32


def test_model_strings_that_name_an_entry() -> None:
    b16 = entries_for("clip-vit-b-16")
    assert len(b16) == 12
    assert entries_for("hf:openai/clip-vit-base-patch16") == b16
    assert entries_for("preset:clip-vit-b-16") == b16
    assert entries_for("hf:openai/clip-vit-base-patch16?revision=57c2164") == b16
    assert entries_for("open_clip:ViT-B-16/openai") == b16
    dfn = entries_for("open_clip:hf-hub:apple/DFN5B-CLIP-ViT-H-14-378")
    assert {e.source.id for e in dfn} == {"reference-report", "openclip-retrieval"}
    assert entries_for("arch:openai/clip-vit-base-patch16") == []  # random weights: never
    assert entries_for("fake:16") == []


def test_a_bad_line_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    read = published._rows
    good = read(published.NUMBERS_FILE)[0]
    cases = [({"source": "nowhere"}, "unknown source 'nowhere'"),
             ({"preset": "no-such"}, "unknown preset 'no-such'"),
             ({"preset": "", "models": ""}, "give a preset or the model strings"),
             ({"value": "1,5"}, "entry 1:"), ({"kind": "speed"}, "kind must be")]  # fmt: skip
    try:
        for change, message in cases:
            bad = [{**good, **change}]

            def rows(name: str, bad: list[dict[str, str]] = bad) -> list[dict[str, str]]:
                return bad if name == published.NUMBERS_FILE else read(name)

            monkeypatch.setattr(published, "_rows", rows)
            published.published_entries.cache_clear()
            with pytest.raises(ConfigError, match=re.escape(message)):
                published.published_entries()
    finally:
        monkeypatch.undo()
        published.published_entries.cache_clear()
        published._by_name.cache_clear()
    assert len(published.published_entries()) > 100
