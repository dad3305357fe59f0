"""The winoground and shapes-pairs tasks: rows, per-tag protocols, outcomes, strict ties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.embedding.provider import EmbeddingProvider
from embedlab.embedding.stub import StubEmbedder
from embedlab.errors import ConfigError
from embedlab.models.base import ModelSpec
from embedlab.results.outcomes import read_outcomes, write_outcomes
from embedlab.stats.intervals import metric_rows
from embedlab.tasks.base import TaskContext
from embedlab.tasks.shapes_pairs import ShapesPairsParams, make_shapes_pairs
from embedlab.tasks.winoground import WinogroundParams, make_winoground
from tests.data.test_winoground_data import example, write_winoground
from tests.tasks.pair_stub import calls, context, pair_embedder

# (s(c0,i0), s(c0,i1), s(c1,i0), s(c1,i1)) and tag of each item
ITEMS = [
    ((0.9, 0.1, 0.2, 0.8), "Object"),  # all right
    ((0.6, 0.7, 0.1, 0.8), "Object"),  # text right, image wrong
    ((0.5, 0.3, 0.5, 0.3), "Relation"),  # identical captions: text wrong (ties)
    ((0.5, 0.1, 0.6, 0.9), "Both"),  # image right, text wrong
]


def known_provider() -> StubEmbedder:
    """Image k of item n is the basis vector e_(2n+k); caption vectors hold the given sims."""
    dim = 2 * len(ITEMS)
    images, texts = {}, {}
    for n, ((c0i0, c0i1, c1i0, c1i1), _) in enumerate(ITEMS):
        for k in (0, 1):
            images[f"ex_{n}_img_{k}"] = np.eye(dim)[2 * n + k]
        for k, (a, b) in enumerate(((c0i0, c0i1), (c1i0, c1i1))):
            vec = np.zeros(dim)
            vec[2 * n], vec[2 * n + 1] = a, b
            texts[f"{n}#caption_{k}"] = vec
    return pair_embedder(images, texts)


@pytest.fixture
def wg_dir(tmp_path: Path) -> Path:
    return write_winoground(tmp_path / "wg", [example(n, tag) for n, (_, tag) in enumerate(ITEMS)])


def _by_row(result: object) -> dict[tuple[str, str], object]:
    return {(m.protocol, m.metric): m for m in result.metrics}  # type: ignore[attr-defined]


def test_known_similarities_give_known_scores(wg_dir: Path, tmp_path: Path) -> None:
    task = make_winoground("winoground", WinogroundParams(data_dir=wg_dir))
    stub = known_provider()
    result = task.run(context(stub, tmp_path))
    rows = _by_row(result)
    expected = {
        "all": (2 / 4, 2 / 4, 1 / 4, 4),
        "tag=Object": (1.0, 1 / 2, 1 / 2, 2),
        "tag=Relation": (0.0, 0.0, 0.0, 1),
        "tag=Both": (0.0, 1.0, 0.0, 1),
    }
    assert [o.protocol for o in result.outcomes] == list(expected)
    for protocol, (text, image, group, n) in expected.items():
        got = [rows[protocol, m] for m in ("text_score", "image_score", "group_score")]
        assert [g.value for g in got] == pytest.approx([text, image, group])
        assert all(g.n == n and len(g.per_query) == n for g in got)
        assert all(g.per_query.mean() == pytest.approx(g.value) for g in got)
    outcome = result.outcomes[0]
    assert outcome.query_ids == ["0", "1", "2", "3"] == outcome.cluster_ids
    assert outcome.values["text_score"].tolist() == [1, 1, 0, 0]
    assert outcome.values["image_score"].tolist() == [1, 0, 0, 1]
    assert outcome.values["group_score"].tolist() == [1, 0, 0, 0]
    assert result.dataset.n_images == 8 and result.dataset.n_captions == 8
    assert ("images", "winoground", 8) in calls(stub) and ("texts", "winoground", 8) in calls(stub)


def test_scores_match_an_independent_computation(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    n = 30
    root = write_winoground(
        tmp_path / "wg", [example(i, ["Object", "Relation"][i % 2]) for i in range(n)]
    )
    vectors = {
        key: rng.integers(-2, 3, size=6).astype(np.float64)
        for key in [f"ex_{i}_img_{k}" for i in range(n) for k in (0, 1)]
        + [f"{i}#caption_{k}" for i in range(n) for k in (0, 1)]
    }
    stub = pair_embedder(vectors, vectors)
    result = make_winoground("winoground", WinogroundParams(data_dir=root)).run(
        context(stub, tmp_path)
    )
    text_ok, image_ok = [], []
    for i in range(n):
        s = {
            (c, k): float(np.dot(vectors[f"{i}#caption_{c}"], vectors[f"ex_{i}_img_{k}"]))
            for c in (0, 1)
            for k in (0, 1)
        }
        text_ok.append(int(s[0, 0] > s[1, 0] and s[1, 1] > s[0, 1]))
        image_ok.append(int(s[0, 0] > s[0, 1] and s[1, 1] > s[1, 0]))
    values = result.outcomes[0].values
    assert values["text_score"].tolist() == text_ok
    assert values["image_score"].tolist() == image_ok
    assert values["group_score"].tolist() == [t & i for t, i in zip(text_ok, image_ok, strict=True)]


def test_protocol_selection(wg_dir: Path, tmp_path: Path) -> None:
    options = WinogroundParams(data_dir=wg_dir, protocols=("tag=Both",))
    result = make_winoground("winoground", options).run(context(known_provider(), tmp_path))
    assert {m.protocol for m in result.metrics} == {"tag=Both"}
    with pytest.raises(ConfigError, match="'t2i' is not a winoground protocol"):
        make_winoground("winoground", WinogroundParams(data_dir=wg_dir, protocols=("t2i",)))
    missing = WinogroundParams(data_dir=wg_dir, protocols=("tag=Nope",))
    with pytest.raises(ConfigError, match="tags present: Both, Object, Relation"):
        make_winoground("winoground", missing).run(context(known_provider(), tmp_path))


def test_shapes_pairs_end_to_end_with_the_fake_encoder(shapes_dir: Path, tmp_path: Path) -> None:
    provider = EmbeddingProvider(ModelSpec(source="fake", ref="16"), tmp_path / "cache")
    params = ShapesPairsParams(data_dir=shapes_dir)
    result = make_shapes_pairs("shapes-pairs", params).run(
        TaskContext(provider, tmp_path / "cache")
    )
    protocols = [o.protocol for o in result.outcomes]
    assert protocols == ["all", "tag=colour-swap", "tag=relation-swap"]
    n_all = len(result.outcomes[0].query_ids)
    assert sum(len(o.query_ids) for o in result.outcomes[1:]) == n_all
    rows = metric_rows(
        result.metrics,
        model="fake:16",
        runtime="torch",
        precision="fp32",
        task="shapes-pairs",
        dataset="shapes-pairs",
        n_resamples=200,
        level=0.95,
        seed=0,
    )
    assert all(r.ci_low is not None and r.ci_low <= r.value <= r.ci_high for r in rows)
    write_outcomes(tmp_path / "o.parquet", result.outcomes)
    back = read_outcomes(tmp_path / "o.parquet")
    assert [o.protocol for o in back] == protocols
    assert (
        back[0].values["group_score"].tolist() == result.outcomes[0].values["group_score"].tolist()
    )


def test_shapes_pairs_through_the_engine(tmp_path: Path) -> None:
    from embedlab.config.run import RunConfig
    from embedlab.report.pair_choice import pair_choice_table
    from embedlab.verbs.run import run

    config = RunConfig(
        models=["fake:16"],
        tasks=["shapes-pairs"],
        out=tmp_path / "run",
        cache_dir=tmp_path / "cache",
        progress=False,
        bootstrap=100,
    )
    log = run(config)
    protocols = {(r.protocol, r.metric) for r in log.metrics}
    assert ("tag=relation-swap", "group_score") in protocols and len(protocols) == 9
    assert log.outcomes[0].columns == ["group_score", "image_score", "text_score"]
    assert "| fake:16 | shapes-pairs | all |" in pair_choice_table(log.metrics)
