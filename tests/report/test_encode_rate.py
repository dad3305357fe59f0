"""queries/s from a run's encode timings (the reference report's QPS), and beside the published."""

from __future__ import annotations

from typing import Any

import pytest

from embedlab.report.encode_rate import encode_rates
from embedlab.report.published_match import compare_rate
from embedlab.results.schema import EncodeTiming, MetricRow, RunLog

LAION = "open_clip:hf-hub:laion/CLIP-ViT-H-14-laion2B-s32B-b79K"  # preset clip-vit-h-14-laion2b


def timing(model: str = LAION, n: int = 5000, computed: int = 5000, seconds: float = 59.6,
           dataset: str = "coco-karpathy", modality: str = "image",
           batch: int = 32) -> EncodeTiming:  # fmt: skip
    return EncodeTiming(model=model, dataset=dataset, modality=modality, n_items=n,
                        n_computed=computed, seconds=seconds, batch_size=batch)  # fmt: skip


def log(timings: list[EncodeTiming], config: dict[str, Any] | None = None,
        precision: str = "fp32") -> RunLog:  # fmt: skip
    models = {t.model for t in timings}
    metrics = [
        MetricRow(model=m, runtime="torch", precision=precision, task=d, dataset=d,
                  protocol=p, metric="recall@1", value=0.5, n=5000)
        for m in models
        for d, p in (("coco-karpathy", "t2i-first"), ("winoground", "all"))
    ]
    return RunLog(embedlab_version="0", status="complete", started_at="now",
                  config=config or {}, environment={}, metrics=metrics,
                  timings=timings)  # fmt: skip


def test_images_per_second_of_a_fill_encoded_in_this_run() -> None:
    (rate,) = encode_rates(log([timing()], {"device": "cpu", "runtime": "torch"}))
    assert rate.status == "measured" and rate.value == pytest.approx(5000 / 59.6)
    # the reference report's example: 5,000 images in 59.6 s printed as 83.8 (5000 / 59.6 = 83.89)
    assert rate.value is not None and round(rate.value, 1) == 83.9
    assert rate.label == "batch 32, cpu, fp32, torch"
    assert rate.text() == "83.9 images/s"


def test_several_fills_pool_items_and_seconds_and_only_images_of_retrieval_count() -> None:
    timings = [timing(n=100, computed=100, seconds=2.0), timing(n=100, computed=100, seconds=3.0),
               timing(n=100, computed=0, seconds=0.01),  # a cached re-fill: no time
               timing(modality="text", seconds=1.0),  # captions are not the QPS
               timing(dataset="winoground", seconds=1.0),  # not a retrieval dataset
               timing(dataset="shapes", seconds=1.0)]  # no metric rows of that dataset  # fmt: skip
    (rate,) = encode_rates(log(timings))
    assert (rate.dataset, rate.n_items, rate.seconds) == ("coco-karpathy", 200, 5.0)
    assert rate.value == pytest.approx(40.0)


def test_cached_and_partly_cached_fills_have_no_rate() -> None:
    (cached,) = encode_rates(log([timing(computed=0, seconds=0.2)]))
    assert cached.value is None and cached.text() == "cached"
    (partly,) = encode_rates(log([timing(computed=2000, seconds=20.0)]))
    assert partly.value is None and partly.status == "partly cached (2000 of 5000 encoded)"


def test_beside_the_published_qps_as_a_ratio_always_flagged() -> None:
    config = {"device": "cuda", "runtime": "torch"}
    (rate,) = encode_rates(log([timing(seconds=50.0, batch=16)], config, precision="bf16"))
    (match,) = compare_rate(rate)
    assert match.entry.value == 83.8 and match.entry.source.id == "reference-report"
    assert match.ratio == pytest.approx((5000 / 50.0) / 83.8)
    assert match.flag == "different hardware"
    assert match.notes == (
        "published on NVIDIA A40, measured on cuda",
        "published at batch 32, measured at 16",
    )
    (cached,) = compare_rate(encode_rates(log([timing(computed=0)]))[0])
    assert cached.ratio is None and cached.flag == "different hardware; cached"
    (subset,) = compare_rate(encode_rates(log([timing(n=500, computed=500, seconds=5.0)]))[0])
    assert subset.flag == "different hardware; published on 5,000 images, measured on 500"
    assert subset.ratio == pytest.approx(100 / 83.8)


def test_no_published_throughput_no_comparison() -> None:
    (rate,) = encode_rates(log([timing(model="hf:openai/clip-vit-base-patch16")]))
    assert rate.value is not None and compare_rate(rate) == []


def test_the_model_load_of_a_first_fill_is_not_counted() -> None:
    first = timing(seconds=69.6).model_copy(update={"load_seconds": 10.0})
    (rate,) = encode_rates(log([first]))
    assert rate.value == pytest.approx(5000 / 59.6)
