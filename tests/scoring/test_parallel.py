"""TilePool runs every task once on distinct threads; worker_count follows the environment;
single_threaded_blas limits the BLAS only inside its block."""

from __future__ import annotations

import sys
import threading

import pytest

from embedlab.scoring._parallel import TilePool, row_blocks, single_threaded_blas, worker_count


def test_every_task_runs_once_and_thread_indices_are_in_range() -> None:
    seen: list[tuple[int, int]] = []
    names: dict[int, set[str]] = {}
    lock = threading.Lock()

    def task(i: int, thread: int) -> None:
        with lock:
            seen.append((i, thread))
            names.setdefault(thread, set()).add(threading.current_thread().name)

    with TilePool(3) as pool:
        for _ in range(2):  # the pool is reusable
            names.clear()  # executor threads may swap indices between runs, never within one
            pool.run([lambda t, i=i: task(i, t) for i in range(50)])
            assert all(len(n) == 1 for n in names.values())  # one OS thread per index: own scratch
    assert sorted(i for i, _ in seen) == sorted(list(range(50)) * 2)
    assert {t for _, t in seen} <= {0, 1, 2}


def test_an_exception_in_a_task_is_raised_after_all_threads_stop() -> None:
    def task(i: int, thread: int) -> None:
        if i == 5:
            raise ValueError("tile 5")

    with TilePool(2) as pool, pytest.raises(ValueError, match="tile 5"):
        pool.run([lambda t, i=i: task(i, t) for i in range(20)])


def test_single_thread_runs_in_order_on_the_caller() -> None:
    order: list[int] = []
    with TilePool(1) as pool:
        pool.run([lambda t, i=i: order.append(i) for i in range(5)])
    assert order == [0, 1, 2, 3, 4]


def test_worker_count_follows_blas_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert worker_count() == 1
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "100000")  # capped by the usable CPUs
    assert 1 <= worker_count() <= 100000
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "bad")
    assert worker_count() == 1  # falls through to OMP_NUM_THREADS


def test_row_blocks() -> None:
    assert row_blocks(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert row_blocks(0, 4) == []


def test_single_threaded_blas_limits_and_restores() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads() -> list[int]:
        return [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]

    before = blas_threads()
    with single_threaded_blas() as limited:
        assert limited
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before


def test_single_threaded_blas_without_threadpoolctl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import raises ImportError
    with single_threaded_blas() as limited:
        assert not limited
