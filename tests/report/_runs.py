"""Run folders for report tests, built by hand: retrieval and pair-choice outcomes with known
differences between systems, metric rows equal to the outcome means, and speed rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from embedlab.results.io import write_runlog
from embedlab.results.outcomes import Outcomes, write_outcomes
from embedlab.results.schema import DatasetInfo, MetricRow, OutcomeFile, RunLog, SpeedRow

N = 400
PAIRS = 300
TAGS = ("colour-swap", "relation-swap")


def correlated_hits(rates: Sequence[float], n: int, seed: int) -> list[np.ndarray]:
    """Paired 0/1 outcomes whose means are close to ``rates`` (positively correlated)."""
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    out = []
    for rate in rates:
        latent = u + rng.normal(0.0, 0.05, n)
        out.append((latent < np.quantile(latent, rate)).astype(np.int64))
    return out


def _row(
    model: str, task: str, protocol: str, metric: str, values: np.ndarray, k: int | None = None
) -> MetricRow:
    value = float(np.mean(values))
    return MetricRow(
        model=model,
        runtime="torch",
        precision="fp32",
        task=task,
        dataset=task,
        protocol=protocol,
        metric=metric,
        k=k,
        value=value,
        n=len(values),
        ci_low=max(0.0, value - 0.03),
        ci_high=min(1.0, value + 0.03),
        ci_method="cluster-percentile-bootstrap",
    )


def _speed(model: str, images: float, texts: float) -> list[SpeedRow]:
    rows = []
    for batch, scale in ((1, 0.5), (32, 1.0)):
        for modality, rate in (("image", images), ("text", texts)):
            common = {
                "model": model,
                "runtime": "torch",
                "precision": "fp32",
                "device": "cpu",
                "batch_size": batch,
                "modality": modality,
                "n": 20,
                "timed_region": "preprocess+model",
            }
            rows.append(SpeedRow(**common, metric="throughput", value=rate * scale, unit="items/s"))
            rows.append(
                SpeedRow(
                    **common,
                    metric="latency_p99",
                    value=1000.0 * batch / (rate * scale) * 1.3,
                    unit="ms",
                )
            )
    return rows


def make_run(
    root: Path,
    systems: Mapping[str, tuple[np.ndarray, np.ndarray, tuple[float, float]]],
    fingerprint: str = "content:fp-shapes",
) -> Path:
    """A run folder with, per model, ``(retrieval hits, pair hits, (images/s, texts/s))``.

    Retrieval task ``shapes`` (protocols t2i, t2i-first, i2t; rank 1 on a hit, else 2..30) and
    pair task ``shapes-pairs`` (protocols all and tag=...; text/image/group scores).
    """
    files, rows, speed = [], [], []
    for model, (hits, pair_hits, (images, texts)) in systems.items():
        rng = np.random.default_rng(sum(map(ord, model)))
        retrieval = []
        for protocol in ("t2i", "t2i-first", "i2t"):
            ranks = np.where(hits == 1, 1, rng.integers(2, 30, len(hits)))
            qids = [f"q{i}" for i in range(len(hits))]
            retrieval.append(Outcomes(protocol, qids, qids, {"rank": ranks}))
            for k in (1, 5, 10):
                rows.append(
                    _row(model, "shapes", protocol, f"recall@{k}", (ranks <= k).astype(float), k)
                )
            rows.append(_row(model, "shapes", protocol, "mrr", 1.0 / ranks))
        path = f"outcomes/{model}__shapes.parquet"
        write_outcomes(root / path, retrieval)
        files.append(OutcomeFile(model=model, task="shapes", path=path, columns=["rank"]))
        text = np.maximum(pair_hits, rng.integers(0, 2, len(pair_hits)))
        image = pair_hits
        group = text * image
        tags = np.array([TAGS[i % 2] for i in range(len(pair_hits))])
        pair_tables = []
        for protocol, mask in [
            ("all", np.ones(len(tags), bool)),
            *((f"tag={t}", tags == t) for t in TAGS),
        ]:
            ids = [f"p{i}" for i in np.flatnonzero(mask)]
            columns = {
                "text_score": text[mask],
                "image_score": image[mask],
                "group_score": group[mask],
            }
            pair_tables.append(Outcomes(protocol, ids, ids, columns))
            for metric, values in columns.items():
                rows.append(_row(model, "shapes-pairs", protocol, metric, values.astype(float)))
        path = f"outcomes/{model}__shapes-pairs.parquet"
        write_outcomes(root / path, pair_tables)
        files.append(
            OutcomeFile(
                model=model,
                task="shapes-pairs",
                path=path,
                columns=["text_score", "image_score", "group_score"],
            )
        )
        speed += _speed(model, images, texts)
    datasets = [
        DatasetInfo(
            name="shapes",
            split="test",
            source="generated",
            fingerprint=fingerprint,
            n_images=N,
            n_captions=N,
        ),
        DatasetInfo(
            name="shapes-pairs",
            split="test",
            source="generated",
            fingerprint="content:fp-pairs",
            n_images=PAIRS,
            n_captions=PAIRS,
        ),
    ]
    log = RunLog(
        embedlab_version="0.1.0",
        status="complete",
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:01:00+00:00",
        config={"models": list(systems), "seed": 0},
        environment={"cpu": "test cpu", "cpu_count": 2, "packages": {"numpy": "2"}},
        datasets=datasets,
        metrics=rows,
        speed=speed,
        outcomes=files,
        notes=["hand-made run"],
    )
    root.mkdir(parents=True, exist_ok=True)
    write_runlog(root, log)
    return root


def three_runs(tmp: Path) -> list[Path]:
    """Three runs, one model each: ``big`` (best), ``mid`` (close to best, faster), ``small``."""
    hits = correlated_hits([0.62, 0.60, 0.30], N, seed=1)
    pairs = correlated_hits([0.50, 0.48, 0.20], PAIRS, seed=2)
    speeds = [(50.0, 400.0), (150.0, 900.0), (600.0, 3000.0)]
    return [
        make_run(tmp / name, {name: (h, p, s)})
        for name, h, p, s in zip(("big", "mid", "small"), hits, pairs, speeds, strict=True)
    ]
