"""Speed pieces for multi-vector models: output checks, token tallies, the MaxSim case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ModelError
from embedlab.models.base import ModelSpec
from embedlab.perf.late_cases import MaxSimPlan
from embedlab.perf.measure import SpeedInputs, case_result
from embedlab.perf.multivector import (
    MaxSimSetting,
    MaxSimWork,
    TokenTally,
    checked_tokens,
    counting,
    is_multi_vector,
    unit_tokens,
)
from embedlab.perf.rounds import time_in_rounds
from embedlab.perf.runner import TimingPlan
from embedlab.perf.timer import Timer

PLAN = TimingPlan(warmup_iterations=1, warmup_seconds=0, min_iterations=3, min_seconds=0,
                  repeats=2)  # fmt: skip


@dataclass
class TokenEncoder:
    """A multi-vector encoder: image i gets 5 tokens, a text one token per word + 2."""

    dim: int = 4
    spec: ModelSpec = field(default_factory=lambda: ModelSpec(source="fake", ref="tokens"))
    calls: list[str] = field(default_factory=list)

    @property
    def token_dim(self) -> int:
        return self.dim

    def _items(self, counts: list[int]) -> MultiVectors:
        return MultiVectors.from_items([np.eye(n, self.dim, dtype=np.float32) for n in counts])

    def encode_images(self, images: Sequence[Any]) -> MultiVectors:
        self.calls.append(f"image x{len(images)}")
        return self._items([5] * len(images))

    def encode_texts(self, texts: Sequence[str], role: str = "query") -> MultiVectors:
        self.calls.append(f"text x{len(texts)}")
        return self._items([len(t.split()) + 2 for t in texts])


def brute_maxsim(query: np.ndarray, doc: np.ndarray) -> float:
    return float(sum(max(float(q @ d) for d in doc) for q in query))


def test_the_maxsim_work_scores_exactly_and_states_its_size() -> None:
    setting = MaxSimSetting(docs=3, doc_tokens=4, query_tokens=2, dim=8, seed=1)
    work = MaxSimWork(setting)
    assert work.corpus.counts.tolist() == [4, 4, 4] and work.query.counts.tolist() == [2]
    np.testing.assert_allclose(np.linalg.norm(work.corpus.tokens, axis=1), 1.0, rtol=1e-6)
    scores = work.score(threads=1)
    expected = [brute_maxsim(work.query.item(0), work.corpus.item(d)) for d in range(3)]
    np.testing.assert_allclose(scores[0], expected, rtol=1e-5)
    details = setting.details(threads=1)
    # Tq·N·Td = 2·3·4 dot products of 8 multiply-adds; the corpus is 3·4·8 float32
    assert details["dot_products_per_query"] == 24 and details["flops_per_query"] == 384
    assert details["corpus_bytes"] == 384 and details["dtype"] == "float32"
    again = MaxSimWork(setting)
    assert np.array_equal(again.corpus.tokens, work.corpus.tokens)  # seeded


def test_unit_tokens_are_ragged_free_and_unit() -> None:
    items = unit_tokens(np.random.default_rng(0), items=4, tokens=3, dim=5)
    assert items.offsets.tolist() == [0, 3, 6, 9, 12] and items.tokens.dtype == np.float32


def test_outputs_are_checked_and_counted() -> None:
    encoder = TokenEncoder()
    assert is_multi_vector(encoder) and not is_multi_vector(object())
    good = encoder.encode_texts(["a b", "c d e"])
    assert checked_tokens(encoder, "text", good, 2) is good
    with pytest.raises(ModelError, match=r"returned 2 items of width 4 .* expected 3 token"):
        checked_tokens(encoder, "text", good, 3)
    with pytest.raises(ModelError, match="ndarray"):
        checked_tokens(encoder, "text", np.zeros((2, 4), np.float32), 2)
    bad = MultiVectors(np.full((2, 4), np.nan, np.float32), np.array([0, 1, 2], np.int64))
    with pytest.raises(ModelError, match="non-finite"):
        checked_tokens(encoder, "text", bad, 2)
    tally = TokenTally()
    stages = counting([("model", lambda _: good)], tally)
    stages[0][1](None)
    stages[0][1](None)
    assert (tally.items, tally.tokens, tally.mean) == (4, 18, 4.5)  # (4 + 5) / 2
    tally.add(np.zeros((3, 4)))  # dense outputs are not counted
    assert tally.items == 4 and TokenTally().mean is None


def test_one_maxsim_case_per_thread_count_sized_by_the_first_calls() -> None:
    encoder, inputs = TokenEncoder(), SpeedInputs(max_batch=2)
    plan = MaxSimPlan(docs=6, seed=0)
    timer = Timer()
    case = plan.case("m", encoder, 1, {"image": 5.0, "text": 12.6}, inputs, timer)
    assert case is not None and encoder.calls == []  # both counts known: nothing encoded
    assert (case.modality, case.batch_size, case.unit) == ("maxsim", 6, "docs/s")
    assert case.row_fields["maxsim"]["query_tokens"] == 13  # 12.6 rounded
    assert plan.case("m", encoder, 1, {}, inputs, timer) is None
    other = plan.case("m", encoder, 2, {}, inputs, timer)
    assert other is not None and plan.work is not None and plan.work.setting.doc_tokens == 5
    fresh = MaxSimPlan(docs=6)
    fresh.case("m", encoder, None, {"image": 5.0}, inputs, timer)
    assert encoder.calls == ["text x1"]  # the missing modality is encoded once, one item
    assert (
        fresh.work is not None
        and fresh.work.setting.query_tokens == len(inputs.batch("text", 1)[0].split()) + 2
    )


def test_the_maxsim_case_becomes_docs_per_second_rows() -> None:
    encoder = TokenEncoder()
    plan = MaxSimPlan(docs=50, seed=0)
    case = plan.case("m", encoder, 1, {"image": 7.0, "text": 9.0}, SpeedInputs(2), Timer())
    assert case is not None
    time_in_rounds([case], PLAN, lambda step: None, 0, PLAN.repeats)
    assert case.error is None
    measured = case_result(case, 1)
    rows = {r.metric: r for r in measured.rows}
    throughput = rows["throughput"]
    iterations, wall = measured.raw["iterations"], measured.raw["wall_seconds"]
    assert throughput.unit == "docs/s" and throughput.batch_size == 50
    assert throughput.value == pytest.approx(50 * iterations / wall)
    assert rows["throughput_mean"].unit == "docs/s" and rows["latency_p50"].unit == "ms"
    assert all(r.modality == "maxsim" and r.timed_region == "maxsim" for r in measured.rows)
    assert all(r.maxsim and r.maxsim["docs"] == 50 for r in measured.rows)
    assert throughput.tokens_per_item == 7.0 and throughput.unstable is not None
