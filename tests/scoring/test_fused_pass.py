"""The C rank kernel and the fused pass: built, equal to a hand-checked brute force and to the
numpy pass (every protocol, ties, tiny chunks, band lists refilled), AVX-512 and portable loops
equal, bad buffers refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from embedlab.scoring import _fused_pass
from embedlab.scoring._inputs import prepare
from embedlab.scoring._rank_pass import run_pass
from embedlab.scoring.retrieval import rank_protocols
from tests.scoring._brute import brute_ranks

PROTOCOLS = ("t2i", "t2i-first", "i2t", "i2t-symmetric")


def test_the_kernel_is_built() -> None:
    """``pip install`` builds it where a C compiler exists (CI has one): a silent fallback to the
    numpy path would hide a slower scorer."""
    module = _fused_pass.kernel()
    assert module is not None, (
        "embedlab.scoring._rank_kernel is not built: run `pip install -e .` with a C compiler"
    )
    assert module.isa() in {"avx512f", "avx2", "baseline"}
    assert _fused_pass.kernel_description().startswith("C kernel (")


@pytest.fixture(params=[True, False], ids=["avx512", "portable"])
def loops(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Run a test with the AVX-512 loop allowed, then with the portable loops only."""
    module = _fused_pass.kernel()
    assert module is not None
    module.set_avx512(request.param)
    try:
        yield bool(request.param)
    finally:
        module.set_avx512(True)


def _scan_by_hand(
    s: np.ndarray, col: np.ndarray, first: np.ndarray, rows: tuple[np.ndarray, ...],
    bounds: tuple[np.ndarray, ...],
) -> dict[str, Any]:  # fmt: skip
    """What the kernel must produce, one Python loop per score."""
    row_lo, row_hi = rows
    lo, hi, lo_s, hi_s = bounds
    m, n = s.shape
    rank, positive = np.zeros(m, np.int64), np.full(m, np.nan, np.float32)
    above, above_s = np.zeros(n, np.int64), np.zeros(n, np.int64)
    band: list[tuple[int, float]] = []
    band_s: list[tuple[int, float]] = []
    band_r: list[tuple[int, float]] = []
    for c in range(m):
        if col[c] >= 0:
            positive[c] = s[c, col[c]]
        for j in range(n):
            v = s[c, j]
            if col[c] >= 0:
                rank[c] += v >= positive[c]
            else:
                rank[c] += v >= row_hi[c]
                if row_lo[c] <= v < row_hi[c]:
                    band_r.append((c, float(v)))
            if j == col[c]:
                continue
            above[j] += v >= hi[j]
            if lo[j] <= v < hi[j]:
                band.append((j, float(v)))
            if first[c]:
                above_s[j] += v >= hi_s[j]
                if lo_s[j] <= v < hi_s[j]:
                    band_s.append((j, float(v)))
    return {
        "rank": rank, "positive": positive, "above": above, "above_s": above_s, "band": band,
        "band_s": band_s, "band_r": band_r,
    }  # fmt: skip


def _scan(
    s: np.ndarray,
    col: np.ndarray,
    first: np.ndarray,
    rows: tuple[np.ndarray, ...],
    bounds: tuple[np.ndarray, ...],
    cap: int,
) -> dict[str, Any]:
    module = _fused_pass.kernel()
    assert module is not None
    m, n = s.shape
    positive = np.full(m, np.nan, np.float32)
    rank = np.full(m, 100, np.int64)  # the kernel adds to it
    above, above_s = np.zeros(n, np.int32), np.zeros(n, np.int32)
    lists = [np.empty(cap, t) for t in (np.int32, np.float32) * 3]
    bands: list[list[tuple[int, float]]] = [[], [], []]
    start, calls = 0, 0
    while start < m:
        start, *counts = module.scan(
            s, m, n, col, first, *rows, *bounds, positive, rank, above, above_s, *lists, start
        )
        for k, count in enumerate(counts):
            idx, vals = lists[2 * k][:count].tolist(), lists[2 * k + 1][:count].tolist()
            bands[k] += list(zip(idx, vals, strict=True))
        calls += 1
    return {
        "rank": rank - 100, "positive": positive, "above": above, "above_s": above_s,
        "band": bands[0], "band_s": bands[1], "band_r": bands[2], "calls": calls,
    }  # fmt: skip


@pytest.mark.parametrize("n", [5, 16, 37])
def test_scan_equals_a_loop_by_hand(n: int, loops: bool) -> None:
    """Scores on a 1/8 grid (many exact ties with the positive, ``hi`` and ``row_hi``); ``n``
    below, at and past one 16-column step; a quarter of the rows have their positive in another
    block (counted against a row bracket); band lists with room for one row, so the kernel stops
    and is called again from the next row."""
    rng = np.random.default_rng(n)
    m = 12
    s = (rng.integers(-8, 9, (m, n)) / 8).astype(np.float32)
    col = rng.integers(0, n, m).astype(np.int64)
    col[::4] = -1
    row_lo = (rng.integers(-8, 6, m) / 8).astype(np.float32)
    row_hi = row_lo + np.float32(0.25)
    first = (np.arange(m) % 3 == 0).astype(np.uint8)
    lo = (rng.integers(-8, 4, n) / 8).astype(np.float32)
    hi = lo + np.float32(0.25)
    lo_s = (rng.integers(-4, 8, n) / 8).astype(np.float32)
    hi_s = lo_s + np.float32(0.25)
    got = _scan(s, col, first, (row_lo, row_hi), (lo, hi, lo_s, hi_s), cap=n)
    want = _scan_by_hand(s, col, first, (row_lo, row_hi), (lo, hi, lo_s, hi_s))
    for key in ("rank", "positive", "above", "above_s"):
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    for key in ("band", "band_s", "band_r"):
        assert sorted(got[key]) == sorted(want[key]) and want[key], key
    assert got["calls"] > 1  # the refill path ran


def test_scan_refuses_bad_buffers() -> None:
    module = _fused_pass.kernel()
    assert module is not None
    s = np.zeros((2, 4), np.float32)
    f4, i4 = np.zeros(4, np.float32), np.zeros(4, np.int32)
    f2, i8 = np.zeros(2, np.float32), np.zeros(2, np.int64)
    ok: list[Any] = [s, 2, 4, i8, np.zeros(2, np.uint8), f2, f2, f4, f4, f4, f4, f2, i8, i4, i4,
                     i4, f4, i4, f4, i4, f4, 0]  # fmt: skip
    assert module.scan(*ok) == (2, 0, 0, 0)
    bad_col = list(ok)
    bad_col[3] = np.array([0, 4], np.int64)
    with pytest.raises(ValueError, match="col"):
        module.scan(*bad_col)
    short = list(ok)
    short[7] = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match="lo"):
        module.scan(*short)
    small_band = list(ok)
    small_band[15] = np.zeros(3, np.int32)
    with pytest.raises(ValueError, match="band"):
        module.scan(*small_band)


def _both_paths(
    text: np.ndarray,
    image: np.ndarray,
    cap: np.ndarray,
    chunk_rows: int,
    protocols: tuple[str, ...],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    first_only = not ({"t2i", "i2t"} & set(protocols))
    inp, _, _ = prepare(text, image, cap, None, first_only=first_only)
    out = []
    for fused in (True, False):
        got = run_pass(
            inp, chunk_rows,
            rows="t2i" in protocols or "t2i-first" in protocols,
            i2t="i2t" in protocols, symmetric="i2t-symmetric" in protocols, fused=fused,
        )  # fmt: skip
        out.append({"rows": got.row_ranks, "i2t": got.i2t, "sym": got.i2t_symmetric})
    return out[0], out[1]


def _assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if a[key] is None or b[key] is None:
            assert a[key] is None and b[key] is None, key
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("chunk_rows", [1, 7, 64, 10_000])
def test_fused_equals_numpy_pass_on_float_data(
    threads: str, chunk_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unrounded Gaussian data (GEMM rounding in play): the two passes agree bit for bit on every
    rank, for any chunk size and thread count."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", threads)
    rng = np.random.default_rng(11)
    cap = rng.permutation(np.repeat(np.arange(45), rng.integers(1, 6, 45)))
    text = rng.standard_normal((cap.shape[0], 40), dtype=np.float32)
    image = rng.standard_normal((45, 40), dtype=np.float32)
    fused, numpy_pass = _both_paths(text, image, cap, chunk_rows, PROTOCOLS)
    _assert_same(fused, numpy_pass)


@pytest.mark.parametrize(
    "protocols", [PROTOCOLS, ("t2i",), ("i2t",), ("i2t-symmetric",), ("t2i-first", "i2t")]
)
def test_fused_equals_brute_force_with_ties(protocols: tuple[str, ...], loops: bool) -> None:
    """Scores exact in float32 (values on a 1/4 grid, 8 dims) with duplicated images and
    captions: every protocol, alone or together, equals the float64 brute force."""
    rng = np.random.default_rng(5)
    cap = rng.permutation(np.repeat(np.arange(37), rng.integers(1, 5, 37)))
    text = (rng.integers(-4, 5, (cap.shape[0], 8)) / 4).astype(np.float32)
    image = (rng.integers(-4, 5, (37, 8)) / 4).astype(np.float32)
    image[20:25] = image[3]
    text[cap == 7] = text[np.flatnonzero(cap == 9)[0]]
    got = rank_protocols(text, image, cap, protocols, chunk_mb=0.0005)
    want = brute_ranks(text, image, cap)
    for name in protocols:
        np.testing.assert_array_equal(got[name].ranks, want[name], err_msg=name)  # type: ignore[index]


def test_band_lists_refill_inside_the_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for only a few rows of band scores, the pass calls the kernel again and still
    equals the numpy pass (counts are never taken twice)."""
    calls = {"n": 0}
    module = _fused_pass.kernel()
    assert module is not None
    real_scan = module.scan

    class Counting:
        @staticmethod
        def scan(*args: Any) -> tuple[int, int, int, int]:
            calls["n"] += 1
            return real_scan(*args)

        isa = module.isa

    monkeypatch.setattr(_fused_pass, "BAND_ENTRIES", 1)
    monkeypatch.setattr(_fused_pass, "kernel", lambda: Counting)
    rng = np.random.default_rng(3)
    cap = rng.permutation(np.repeat(np.arange(30), 3))
    text = (rng.integers(-2, 3, (90, 4)) / 2).astype(np.float32)  # scores on a 1/4 grid: ties
    image = (rng.integers(-2, 3, (30, 4)) / 2).astype(np.float32)
    fused, numpy_pass = _both_paths(text, image, cap, 90, PROTOCOLS)
    _assert_same(fused, numpy_pass)
    assert calls["n"] > 2  # one chunk, at most two threads: more calls means refills


@pytest.mark.parametrize("chunk_rows", [3, 50])
def test_two_column_ranges_same_ranks_for_any_thread_count(
    chunk_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300 images: the products are split into two column ranges, fixed by the image count, so
    1, 2 or 3 threads give bit-identical ranks on unrounded data; on float32-exact data (1/4
    grid) they equal the float64 brute force."""
    assert len(_fused_pass.column_parts(300)) == 2
    assert _fused_pass.column_parts(300)[0] == (0, 192)  # a multiple of 64
    assert len(_fused_pass.column_parts(_fused_pass.SPLIT_MIN_COLUMNS - 1)) == 1
    rng = np.random.default_rng(chunk_rows)
    cap = rng.permutation(np.repeat(np.arange(300), rng.integers(1, 4, 300)))
    text = rng.standard_normal((cap.shape[0], 24), dtype=np.float32)
    image = rng.standard_normal((300, 24), dtype=np.float32)
    grid_text = (rng.integers(-4, 5, (cap.shape[0], 6)) / 4).astype(np.float32)
    grid_image = (rng.integers(-4, 5, (300, 6)) / 4).astype(np.float32)
    runs = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", threads)
        runs.append(_both_paths(text, image, cap, chunk_rows, PROTOCOLS)[0])
        fused, _ = _both_paths(grid_text, grid_image, cap, chunk_rows, PROTOCOLS)
        want = brute_ranks(grid_text, grid_image, cap)
        _, order, _ = prepare(grid_text, grid_image, cap, None, first_only=False)
        np.testing.assert_array_equal(fused["rows"][np.argsort(order)], want["t2i"])
        np.testing.assert_array_equal(fused["i2t"], want["i2t"])
        np.testing.assert_array_equal(fused["sym"], want["i2t-symmetric"])
        first_only = _both_paths(grid_text, grid_image, cap, chunk_rows, PROTOCOLS[1::2])
        _assert_same(*first_only)  # only the first captions are scored: 300 x 300, split too
    _assert_same(runs[0], runs[1])
    _assert_same(runs[0], runs[2])
