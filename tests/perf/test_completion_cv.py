"""Load-test steadiness: completions per window of wall time."""

import numpy as np
import pytest

from embedlab.perf.stability import completion_cv


def test_completion_cv_of_a_steady_and_a_stalling_load() -> None:
    steady = [i * 0.035 for i in range(1, 286)]  # one completion every 35 ms for 10 s
    cv, window = completion_cv(steady, 10.0)
    assert window == pytest.approx(50 / 28.5) and cv < 0.05
    # the same number of completions, but the server stalls for the middle 4 s
    stalled = [t for t in np.linspace(0.01, 9.99, 400) if not 3.0 <= t < 7.0]
    cv, _ = completion_cv(stalled, 10.0)
    assert cv > 0.5
    assert completion_cv([0.5], 10.0)[0] == 0.0  # one window of data: nothing to compare
    assert completion_cv([], 10.0) == (0.0, 1.0)
