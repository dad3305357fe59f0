"""faiss runs single-threaded in these tests: on a shared 2-core machine OpenMP threads waiting
for a busy core make small trainings 10x slower, and results do not depend on the count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _one_faiss_thread() -> Iterator[None]:
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)
