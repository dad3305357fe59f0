"""Published / Δ columns in the terminal tables and the report, and their sections."""

from __future__ import annotations

from pathlib import Path

from embedlab.report.terminal import render_run
from embedlab.results.io import write_runlog
from embedlab.results.schema import DatasetInfo, EncodeTiming, MetricRow, RunLog
from embedlab.verbs.report import ReportOptions, write_report

B16 = "hf:openai/clip-vit-base-patch16"  # preset clip-vit-b-16: open_clip's ViT-B-16 / openai
JINA = "remote:jinaai/jina-clip-v1"  # reference report only (first-caption T2I)
B32 = "hf:openai/clip-vit-base-patch32"  # the Winoground paper's CLIP row


def _row(model: str, task: str, protocol: str, metric: str, value: float, n: int) -> MetricRow:
    return MetricRow(model=model, runtime="torch", precision="fp32", task=task, dataset=task,
                     protocol=protocol, metric=metric, value=value, n=n, ci_low=value - 0.01,
                     ci_high=value + 0.01, ci_method="cluster-percentile-bootstrap")  # fmt: skip


def _log(models: list[str], winoground: bool = False) -> RunLog:
    rows = []
    for model in models:
        for protocol, n in (("t2i", 25010), ("t2i-first", 5000), ("i2t", 5000)):
            rows += [_row(model, "coco-karpathy", protocol, f"recall@{k}", 0.3 + k / 100, n)
                     for k in (1, 5, 10)]  # fmt: skip
    if winoground:
        for metric, value in (("text_score", 0.3175), ("image_score", 0.1), ("group_score", 0.08)):
            rows += [_row(B32, "winoground", "all", metric, value, 400)]
    timings = [EncodeTiming(model=m, dataset="coco-karpathy", modality="image", n_items=5000,
                            n_computed=5000 if m != JINA else 0, seconds=50.0, batch_size=32)
               for m in models]  # fmt: skip
    datasets = [DatasetInfo(name=n, split="test", source="x", fingerprint=f"content:{n}",
                            n_images=5000, n_captions=25010)
                for n in ("coco-karpathy", "winoground")]  # fmt: skip
    return RunLog(embedlab_version="0", status="complete", started_at="now",
                  config={"device": "cpu", "runtime": "torch"}, environment={},
                  datasets=datasets, metrics=rows, timings=timings)  # fmt: skip


def _line(text: str, *needles: str) -> str:
    return next(line for line in text.splitlines() if all(n in line for n in needles))


def test_terminal_tables_gain_published_and_delta_columns() -> None:
    text = render_run(_log([B16, JINA, "fake:16"], winoground=True))
    header = _line(text, "| model | task | protocol | R@1")
    assert header.endswith("| n | published R@1/R@5/R@10 | Δ R@1/R@5/R@10 |")
    # open_clip ViT-B-16: COCO t2i R@1 33.09, R@5 58.42, R@10 68.99; measured 31, 35, 40
    assert _line(text, B16, "t2i (all").endswith("| 33.09 / 58.42 / 68.99 | −2.1 / −23.4 / −29.0 |")
    assert _line(text, B16, "t2i-first").endswith("| 33.09† / 58.42† / 68.99† | † / † / † |")
    assert _line(text, JINA, "t2i-first").endswith("| 39.3 / 64.6 / 74.2 | −8.3 / −29.6 / −34.2 |")
    assert _line(text, JINA, "i2t").endswith("| 55.3 / – / – | −24.3 / – / – |")
    assert _line(text, "fake:16", "t2i (all").endswith("| – / – / – | – / – / – |")
    wino = _line(text, B32, "winoground", "| all |")
    assert wino.endswith("| 30.75 / 10.50 / 8.00 | +1.0 / −0.5 / +0.0 |")
    assert "Δ Text score/Image score/Group score" in _line(text, "| model |", "Text score")
    flag = _line(text, f"† {JINA} coco-karpathy t2i recall@1")
    assert "published 39.3 (reference-report" in flag
    assert flag.endswith("protocol differs: published t2i-first (first caption), "
                         "measured t2i (all captions)")  # fmt: skip
    assert "mlfoundations/open_clip@89fb801f1e60:docs/openclip_retrieval_results.csv" in text
    assert f"  {B16} · coco-karpathy: 100 images/s (batch 32, cpu, fp32, torch)" in text
    rate = _line(text, f"  {JINA} · coco-karpathy: cached")
    assert "published QPS 25.8 (bf16, NVIDIA A40, batch 32; reference-report)" in rate
    assert rate.endswith("no ratio, flagged: different hardware; cached")


def test_no_match_no_columns() -> None:
    text = render_run(_log(["fake:16"]))
    assert "published" not in text and "Δ" not in text and "†" not in text
    assert "fake:16 · coco-karpathy: 100 images/s" in text  # queries/s is there regardless


def _report(tmp_path: Path, log: RunLog) -> str:
    write_runlog(tmp_path / "run", log)
    _, markdown = write_report([tmp_path / "run"], tmp_path / "out", ReportOptions(resamples=0))
    return markdown.read_text()


def test_markdown_report_columns_and_sections(tmp_path: Path) -> None:
    text = _report(tmp_path, _log([B16, JINA], winoground=True))
    details = _line(text, "| model | t2i (all captions) R@1 |")
    assert "| t2i (all captions) R@1 published | t2i (all captions) R@1 Δ |" in details
    assert _line(text, f"| {B16} | 31.0 [30.0, 32.0] | 33.09 | −2.1 |")
    headline = _line(text, "| model | coco-karpathy t2i (all captions) R@1 |")
    assert "R@1 published" in headline and "R@5 published" not in headline  # R@1 only here
    assert "## queries/s during evaluation" in text and "## Published numbers" in text
    match = _line(text, f"| {B32} | winoground | strict", "group_score")
    assert "| group_score | 8.0 [7.0, 9.0] | 8.00 | +0.0 | winoground-paper |" in match
    flagged = _line(text, f"| {JINA} | coco-karpathy | t2i | recall@5 |")
    assert "| 64.6† | protocol differs: published t2i-first" in flagged
    assert _line(text, f"| {JINA} | coco-karpathy | cached |").count("different hardware") == 1
    assert "text and image columns appear swapped" in text  # the Winoground caveat


def test_markdown_report_without_a_match_has_no_published_columns(tmp_path: Path) -> None:
    text = _report(tmp_path, _log(["fake:16"]))
    body = text.split("## Provenance")[0]
    assert "published" not in body.lower() and "Δ" not in body and "†" not in body
    assert _line(body, "| fake:16 | coco-karpathy | 100 | batch 32, cpu, fp32, torch |")
