"""``embedlab.verbs.compare``: run folders built by hand (RunLog + outcome Parquet files)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest

from embedlab.config.run import RunConfig
from embedlab.errors import ConfigError, ResultsError
from embedlab.report.comparison_tables import comparison_markdown
from embedlab.results.io import read_results, write_runlog
from embedlab.results.outcomes import Outcomes, write_outcomes
from embedlab.results.schema import DatasetInfo, MetricRow, OutcomeFile, RunLog
from embedlab.stats.multiple_testing import holm
from embedlab.stats.paired import permutation_test
from embedlab.verbs.compare import compare
from embedlab.verbs.run import run

N = 5000
TASK = "shapes"


def make_run(
    root: Path,
    models: Mapping[str, Mapping[str, np.ndarray]],
    *,
    fingerprint: str = "content:fp-1",
    query_ids: Sequence[str] | None = None,
    clusters: Sequence[str] | None = None,
    ci: bool = False,
    extra: Sequence[Outcomes] = (),
) -> Path:
    """A run folder: per model, ``{protocol: ranks}`` written as outcomes of task ``shapes``."""
    files, rows = [], []
    for model, tables in models.items():
        outcomes = []
        for protocol, ranks in tables.items():
            qids = [f"q{i}" for i in range(len(ranks))] if query_ids is None else list(query_ids)
            cids = list(clusters) if clusters is not None else qids
            outcomes.append(Outcomes(protocol, qids, cids, {"rank": np.asarray(ranks)}))
            value = float(np.mean(np.asarray(ranks) <= 1))
            rows.append(
                MetricRow(
                    model=model, runtime="torch", precision="fp32", task=TASK, dataset=TASK,
                    protocol=protocol, metric="recall@1", k=1, value=value, n=len(ranks),
                    ci_low=0.123 if ci else None, ci_high=0.456 if ci else None,
                    ci_method="percentile-bootstrap" if ci else None,
                )
            )
        path = f"outcomes/{model}__{TASK}.parquet"
        write_outcomes(root / path, [*outcomes, *extra])
        files.append(OutcomeFile(model=model, task=TASK, path=path, columns=["rank"]))
    dataset = DatasetInfo(name=TASK, split="test", source="generated", fingerprint=fingerprint,
                          n_images=N, n_captions=N)
    log = RunLog(embedlab_version="0", status="complete", started_at="now", config={},
                 environment={}, datasets=[dataset], metrics=rows, outcomes=files)
    root.mkdir(parents=True, exist_ok=True)
    write_runlog(root, log)
    return root


def correlated_ranks(rates: Sequence[float], n: int = N, seed: int = 1) -> list[np.ndarray]:
    """Paired, positively correlated outcomes: hit@1 of system j is ``u_i + noise < rate_j``."""
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    out = []
    for rate in rates:
        latent = u + rng.normal(0.0, 0.05, n)
        cut = np.quantile(latent, rate)
        out.append(np.where(latent < cut, 1, 2 + rng.integers(0, 20, n)))
    return out


def test_identical_runs_are_not_significant(tmp_path: Path) -> None:
    (ranks,) = correlated_ranks([0.5])
    a = make_run(tmp_path / "a", {"m": {"t2i": ranks}})
    b = make_run(tmp_path / "b", {"m": {"t2i": ranks}})
    result = compare([a, b], ["recall@1", "mrr"], resamples=200)
    assert [s.label for s in result.systems] == ["m (a)", "m (b)"]
    assert len(result.results) == 2
    for table in result.results:
        (pair,) = table.pairs
        assert pair.difference == 0.0
        assert pair.p_permutation >= 0.5 and pair.p_bootstrap >= 0.5
        assert (pair.wins, pair.ties, pair.losses) == (0, N, 0)
        assert not pair.significant
        assert all(not s.better_than for s in table.systems)


@pytest.mark.parametrize("test", ["permutation", "bootstrap"])
def test_five_points_at_n_5000_is_significant(tmp_path: Path, test: str) -> None:
    low, high = correlated_ranks([0.50, 0.55])
    run = make_run(tmp_path / "r", {"low": {"t2i": low}, "high": {"t2i": high}})
    result = compare([run], ["recall@1"], test=test, resamples=500)  # type: ignore[arg-type]
    (table,) = result.results
    (pair,) = table.pairs
    assert pair.difference == pytest.approx(-0.05, abs=1e-3)
    assert pair.ci_high is not None and pair.ci_high < 0
    assert pair.significant and pair.p_mcnemar is not None and pair.p_mcnemar < 1e-6
    assert pair.losses > pair.wins
    assert [s.better_than for s in table.systems] == [[], ["a"]]


def test_different_fingerprints_are_refused(tmp_path: Path) -> None:
    (ranks,) = correlated_ranks([0.5])
    a = make_run(tmp_path / "a", {"m": {"t2i": ranks}})
    b = make_run(tmp_path / "b", {"n": {"t2i": ranks}}, fingerprint="content:fp-2")
    with pytest.raises(ResultsError, match=r"runs .*a and .*b were made on different data"):
        compare([a, b])


def test_different_query_ids_are_refused(tmp_path: Path) -> None:
    ranks = np.ones(10, dtype=np.int64)
    a = make_run(tmp_path / "a", {"m": {"t2i": ranks}})
    other = [f"q{i}" for i in range(9)] + ["x"]
    b = make_run(tmp_path / "b", {"n": {"t2i": ranks}}, query_ids=other)
    with pytest.raises(ResultsError, match=r"different data: .*'t2i'.*\['q9', 'x'\]"):
        compare([a, b])


def test_holm_over_the_pairs_of_a_table(tmp_path: Path) -> None:
    ranks = correlated_ranks([0.50, 0.51, 0.55])
    run = make_run(tmp_path / "r", {m: {"i2t": r} for m, r in zip("xyz", ranks, strict=True)})
    (table,) = compare([run], ["recall@1"], resamples=300).results
    assert [(p.a, p.b) for p in table.pairs] == [("x", "y"), ("x", "z"), ("y", "z")]
    for raw, adjusted in (("p_permutation", "p_permutation_holm"),
                          ("p_bootstrap", "p_bootstrap_holm")):
        expected = holm([getattr(p, raw) for p in table.pairs])
        np.testing.assert_allclose([getattr(p, adjusted) for p in table.pairs], expected)
    assert [p.significant for p in table.pairs] == [p.p_permutation_holm <= 0.05
                                                     for p in table.pairs]


def test_letters_in_the_table_for_three_systems(tmp_path: Path) -> None:
    ranks = correlated_ranks([0.50, 0.55, 0.60])
    run = make_run(tmp_path / "r", {m: {"t2i": r} for m, r in zip("ABC", ranks, strict=True)})
    result = compare([run], ["recall@1"], resamples=300)
    (table,) = result.results
    assert [s.better_than for s in table.systems] == [[], ["a"], ["a", "b"]]
    text = comparison_markdown(result)
    assert "| a | A | 50.0 |" in text
    assert "| b | B | 55.0ᵃ |" in text
    assert "| c | C | 60.0ᵃᵇ |" in text
    assert "| a vs c | -10.0 |" in text
    assert "Holm correction over the 3 pairs of this table" in text
    assert "α = 0.05" in text


def test_clusters_are_the_resampling_unit(tmp_path: Path) -> None:
    n_images = 400
    qids = [f"c{i}" for i in range(5 * n_images)]
    cids = [f"img{i // 5}" for i in range(5 * n_images)]
    a, b = correlated_ranks([0.4, 0.43], n=len(qids))
    run_a = make_run(tmp_path / "a", {"m1": {"t2i": a}}, query_ids=qids, clusters=cids)
    run_b = make_run(tmp_path / "b", {"m2": {"t2i": b}}, query_ids=qids, clusters=cids)
    (table,) = compare([run_a, run_b], ["recall@1"], resamples=200, seed=3).results
    assert (table.n_queries, table.n_clusters) == (5 * n_images, n_images)
    direct = permutation_test((a <= 1) * 1.0, (b <= 1) * 1.0, clusters=cids, n_resamples=200)
    assert table.pairs[0].difference == pytest.approx(direct.difference)


def test_queries_are_aligned_by_id_not_by_position(tmp_path: Path) -> None:
    ranks = np.array([1, 2, 1, 3, 1, 1, 5, 1])
    qids = [f"q{i}" for i in range(8)]
    a = make_run(tmp_path / "a", {"m": {"t2i": ranks}}, query_ids=qids)
    b = make_run(tmp_path / "b", {"m": {"t2i": ranks[::-1]}}, query_ids=qids[::-1])
    (pair,) = compare([a, b], ["recall@1"], resamples=50).results[0].pairs
    assert (pair.wins, pair.ties, pair.losses) == (0, 8, 0)


def test_stored_intervals_are_used_and_missing_ones_computed(tmp_path: Path) -> None:
    x, y = correlated_ranks([0.5, 0.6], n=300)
    a = make_run(tmp_path / "a", {"m": {"t2i": x}}, ci=True)
    b = make_run(tmp_path / "b", {"n": {"t2i": y}})
    (table,) = compare([a, b], ["recall@1"], resamples=200).results
    first, second = table.systems
    assert (first.ci_low, first.ci_high, first.ci_source) == (0.123, 0.456, "run")
    assert second.ci_source == "computed"
    assert second.ci_low is not None and second.ci_low < second.value < (second.ci_high or 0)


def test_bad_metrics_and_settings_are_refused(tmp_path: Path) -> None:
    (ranks,) = correlated_ranks([0.5], n=20)
    a = make_run(tmp_path / "a", {"m": {"t2i": ranks}})
    b = make_run(tmp_path / "b", {"n": {"t2i": ranks}})
    with pytest.raises(ConfigError, match="median_rank"):
        compare([a, b], ["median_rank"])
    with pytest.raises(ConfigError, match="--metric ndcg@10 cannot be computed"):
        compare([a, b], ["ndcg@10"])
    with pytest.raises(ConfigError, match="--alpha"):
        compare([a, b], alpha=1.5)
    with pytest.raises(ConfigError, match="--test"):
        compare([a, b], test="t")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="at least two systems"):
        compare([a])
    with pytest.raises(ConfigError, match="given twice"):
        compare([a, a])
    with pytest.raises(ResultsError, match="--task zeroshot"):
        compare([a, b], tasks=["zeroshot"])
    with pytest.raises(ResultsError, match="--protocol i2t"):
        compare([a, b], protocols=["i2t"])


def test_pair_choice_columns_and_tables_no_metric_needs(tmp_path: Path) -> None:
    (ranks,) = correlated_ranks([0.5], n=50)
    ids = [f"w{i}" for i in range(400)]
    rng = np.random.default_rng(0)
    group_a, group_b = (rng.random(400) < 0.2).astype(np.int64), np.zeros(400, dtype=np.int64)

    def pairs(values: np.ndarray) -> Outcomes:
        return Outcomes("pairs", ids, ids, {"group": values})

    def prompts(names: list[str]) -> Outcomes:  # like zeroshot-prompts: never compared
        return Outcomes("prompts", names, names, {"prompt": np.asarray(names, dtype=np.str_)})

    a = make_run(tmp_path / "a", {"m": {"t2i": ranks}}, extra=[pairs(group_a), prompts(["x"])])
    b = make_run(tmp_path / "b", {"n": {"t2i": ranks}}, extra=[pairs(group_b), prompts(["y"])])
    result = compare([a, b], ["group", "recall@1"], resamples=200)
    assert [(r.protocol, r.metric) for r in result.results] == [("t2i", "recall@1"),
                                                                ("pairs", "group")]
    group = result.results[1]
    assert group.pairs[0].difference == pytest.approx(group_a.mean())
    assert group.pairs[0].ties == int((group_a == 0).sum())
    assert [s.better_than for s in group.systems] == [["b"], []]


def test_stored_intervals_of_another_level_are_not_reused(tmp_path: Path) -> None:
    x, y = correlated_ranks([0.5, 0.6], n=300)
    a = make_run(tmp_path / "a", {"m": {"t2i": x}}, ci=True)
    log = read_results(a)
    write_runlog(a, log.model_copy(update={"config": {"confidence": 0.9}}))
    b = make_run(tmp_path / "b", {"n": {"t2i": y}}, ci=True)
    (table,) = compare([a, b], ["recall@1"], resamples=100).results
    assert [s.ci_source for s in table.systems] == ["computed", "run"]


# --- content fingerprints (issue #17 item 6) -----------------------------------------------


def test_id_only_fingerprints_of_older_runs_are_refused(tmp_path: Path) -> None:
    (ranks,) = correlated_ranks([0.5])
    a = make_run(tmp_path / "a", {"m": {"t2i": ranks}}, fingerprint="0123456789abcdef")
    b = make_run(tmp_path / "b", {"n": {"t2i": ranks}}, fingerprint="0123456789abcdef")
    with pytest.raises(ResultsError, match=r"cannot verify .*shapes/test .*id-only"):
        compare([a, b])
    one = make_run(tmp_path / "one", {"m": {"t2i": ranks}, "n": {"t2i": ranks}},
                   fingerprint="0123456789abcdef")
    assert compare([one], ["recall@1"], resamples=50).results  # models of one older run: fine


def test_content_prefix_is_the_data_layers() -> None:
    from embedlab.data.content import PREFIX
    from embedlab.results.systems import CONTENT_PREFIX

    assert PREFIX == CONTENT_PREFIX


def _captions_folder(root: Path, captions: Sequence[str]) -> Path:
    from PIL import Image

    root.mkdir(parents=True)
    lines = []
    for i, caption in enumerate(captions):
        Image.new("RGB", (8, 8), (40 * i % 256, 90, 200)).save(root / f"img{i}.png")
        lines.append(json.dumps({"image": f"img{i}.png", "captions": [caption], "id": f"i{i}"}))
    (root / "captions.jsonl").write_text("\n".join(lines) + "\n")
    return root


def _captions_run(tmp_path: Path, data: Path, out: str) -> Path:
    config = RunConfig(
        models=["fake:16"], tasks=["captions"], out=tmp_path / out, data_dir=data,
        cache_dir=tmp_path / "cache", progress=False, bootstrap=20,
    )
    run(config)
    return tmp_path / out


def test_runs_whose_caption_texts_differ_are_refused(tmp_path: Path) -> None:
    texts = [f"a photo of thing {i}" for i in range(6)]
    same = _captions_folder(tmp_path / "same", texts)
    other = _captions_folder(tmp_path / "other", [t.upper() for t in texts])  # same ids
    a = _captions_run(tmp_path, same, "a")
    b = _captions_run(tmp_path, other, "b")
    assert read_results(a).outcomes and read_results(b).outcomes
    with pytest.raises(ResultsError, match=r"runs .*a and .*b were made on different data"):
        compare([a, b])
    c = _captions_run(tmp_path, same, "c")  # identical data: still compared
    assert compare([a, c], ["recall@1"], resamples=50).results


def test_runs_whose_image_bytes_differ_are_refused(tmp_path: Path) -> None:
    texts = [f"a photo of thing {i}" for i in range(6)]
    first = _captions_folder(tmp_path / "first", texts)
    second = _captions_folder(tmp_path / "second", texts)
    from PIL import Image

    Image.new("RGB", (8, 8), (0, 0, 0)).save(second / "img3.png")  # one image replaced
    a = _captions_run(tmp_path, first, "a")
    b = _captions_run(tmp_path, second, "b")
    with pytest.raises(ResultsError, match=r"dataset captions/test \(fingerprint"):
        compare([a, b])
