"""Coverage of embedlab's percentile-bootstrap confidence intervals on simulated outcomes.

For each setting, ``--trials`` data sets are simulated with a KNOWN success rate ``p``; each gets
a ``bootstrap_ci`` (``B = --resamples``, level 0.95) and the coverage is the fraction of trials
whose interval contains ``p``, with Monte-Carlo standard error ``sqrt(c (1 - c) / trials)``.

Scenarios:

- ``iid``: ``n`` independent Bernoulli(p) outcomes (one per query).
- ``clustered``: ``n / 5`` clusters of 5 correlated outcomes (like the 5 captions of a COCO
  image): cluster rate ``p_c ~ Beta`` with mean ``p`` and intra-cluster correlation ``--icc``,
  outcomes Bernoulli(p_c). Both the naive (query) and the cluster bootstrap are evaluated on the
  same data; the naive interval ignores the correlation and should under-cover.

Every trial has its own generator, ``SeedSequence(seed, spawn_key=(setting, trial))``, so results
do not depend on ``--workers``. Usage::

    python benchmarks/bench_ci_coverage.py --trials 1000 --seed 0
"""

from __future__ import annotations

import argparse
import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from embedlab.stats.bootstrap import bootstrap_ci

CLUSTER_SIZE = 5


@dataclass(frozen=True)
class Setting:
    """One simulated scenario."""

    index: int
    scenario: str  # "iid" or "clustered"
    n: int
    p: float


@dataclass(frozen=True)
class Job:
    """A batch of trials of one setting, run in one worker."""

    setting: Setting
    trials: range
    seed: int
    resamples: int
    level: float
    icc: float


def simulate(setting: Setting, rng: np.random.Generator, icc: float) -> np.ndarray:
    """Binary outcomes with true rate ``setting.p`` (clustered: Beta-Binomial clusters of 5)."""
    if setting.scenario == "iid":
        return (rng.random(setting.n) < setting.p).astype(np.float64)
    concentration = 1.0 / icc - 1.0  # Beta(a, b) with a + b = 1/icc - 1 has correlation icc
    n_clusters = setting.n // CLUSTER_SIZE
    rates = rng.beta(setting.p * concentration, (1.0 - setting.p) * concentration, n_clusters)
    return (rng.random((n_clusters, CLUSTER_SIZE)) < rates[:, None]).ravel().astype(np.float64)


def run_job(job: Job) -> dict[str, np.ndarray]:
    """Per method: an array of (covered, width) for each trial of the job."""
    setting = job.setting
    clusters = np.arange(setting.n) // CLUSTER_SIZE
    methods = {"naive": None} if setting.scenario == "iid" else {"naive": None, "cluster": clusters}
    out = {name: np.empty((len(job.trials), 2)) for name in methods}
    for row, trial in enumerate(job.trials):
        seq = np.random.SeedSequence(job.seed, spawn_key=(setting.index, trial))
        data_rng, boot_rng = (np.random.default_rng(s) for s in seq.spawn(2))
        values = simulate(setting, data_rng, job.icc)
        for name, labels in methods.items():
            ci = bootstrap_ci(
                values,
                clusters=labels,
                n_resamples=job.resamples,
                level=job.level,
                seed_or_rng=boot_rng,
            )
            out[name][row] = (ci.low <= setting.p <= ci.high, ci.high - ci.low)
    return out


def make_jobs(args: argparse.Namespace, settings: list[Setting]) -> list[Job]:
    """Split each setting's trials into batches for the workers."""
    batch = max(1, math.ceil(args.trials / (4 * args.workers)))
    return [
        Job(
            s,
            range(start, min(start + batch, args.trials)),
            args.seed,
            args.resamples,
            args.level,
            args.icc,
        )
        for s in settings
        for start in range(0, args.trials, batch)
    ]


def markdown_table(results: dict[tuple[Setting, str], np.ndarray], args: argparse.Namespace) -> str:
    """One row per (setting, method): coverage, its MC standard error, mean interval width."""
    lines = [
        "| scenario | n | units | p | bootstrap | coverage | MC s.e. | mean width |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for (s, method), rows in results.items():
        cov = float(rows[:, 0].mean())
        se = math.sqrt(cov * (1.0 - cov) / rows.shape[0])
        units = s.n // CLUSTER_SIZE if method == "cluster" else s.n
        lines.append(
            f"| {s.scenario} | {s.n:,} | {units:,} | {s.p:.1f} | {method} | {100 * cov:.1f}% "
            f"| {100 * se:.1f} | {100 * rows[:, 1].mean():.2f} pts |"
        )
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    """Command-line flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="simulated data sets per setting")
    parser.add_argument("--seed", type=int, default=0, help="master seed")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples B")
    parser.add_argument("--level", type=float, default=0.95, help="confidence level")
    parser.add_argument("--icc", type=float, default=0.3, help="intra-cluster correlation")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 5000], help="values of n")
    parser.add_argument("--rates", type=float, nargs="+", default=[0.3, 0.5], help="values of p")
    return parser.parse_args()


def main() -> None:
    """Run every setting and print the markdown coverage table."""
    args = parse_args()
    grid = [(sc, n, p) for sc in ("iid", "clustered") for n in args.sizes for p in args.rates]
    settings = [Setting(i, sc, n, p) for i, (sc, n, p) in enumerate(grid)]
    jobs = make_jobs(args, settings)
    start = time.perf_counter()
    results: dict[tuple[Setting, str], list[np.ndarray]] = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for job, out in zip(jobs, pool.map(run_job, jobs), strict=True):
            for method, rows in out.items():
                results.setdefault((job.setting, method), []).append(rows)
    merged = {key: np.concatenate(parts) for key, parts in results.items()}
    elapsed = time.perf_counter() - start
    print(
        f"Percentile-bootstrap coverage, nominal {100 * args.level:.0f}%: {args.trials} trials "
        f"per setting, B = {args.resamples}, seed {args.seed}, clusters of {CLUSTER_SIZE} with "
        f"ICC {args.icc}, {args.workers} workers, {elapsed:.0f} s\n"
    )
    print(markdown_table(merged, args))


if __name__ == "__main__":
    main()
