"""Summary of one metric over repeated runs (different seeds, subsamples or hardware runs)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from embedlab.errors import ConfigError
from embedlab.stats.resampling import as_values

__all__ = ["RepeatSummary", "repeat_summary"]


class RepeatSummary(NamedTuple):
    """``mean ± std`` over ``n`` repeats (unpacks as ``mean, std, n``)."""

    mean: float
    std: float
    n: int


def repeat_summary(values_per_repeat: npt.ArrayLike) -> RepeatSummary:
    """Mean and sample standard deviation of a metric over ``n >= 2`` repeated runs.

    ``mean = sum_r x_r / n`` and ``std = sqrt(sum_r (x_r - mean)**2 / (n - 1))`` (``ddof=1``).

    The std measures run-to-run variation only (seeds, nondeterministic kernels, subsampling).
    Re-running a deterministic model on a fixed dataset gives ``std = 0``: that is NOT evidence
    that the score is stable or precise; the uncertainty from the finite query set is what
    :func:`embedlab.stats.bootstrap.bootstrap_ci` measures.

    Args:
        values_per_repeat: 1-D, one metric value per run.

    Returns:
        :class:`RepeatSummary` ``(mean, std, n)``.

    Raises:
        ConfigError: fewer than two repeats (the std is undefined), or non-finite values.
    """
    x = as_values(values_per_repeat, "values_per_repeat")
    if x.size < 2:
        raise ConfigError(
            f"repeat_summary needs at least 2 repeats to estimate a std, got {x.size}; "
            "run more repeats or report a bootstrap CI instead"
        )
    return RepeatSummary(float(np.mean(x)), float(np.std(x, ddof=1)), int(x.size))
