"""Default parameter values sized to the corpus (faiss wiki guidelines, ann-benchmarks sweeps).

- ``nlist`` (IVF cells): the power of two nearest ``4 * sqrt(n)``, lowered to the largest
  power of two not above ``n // 39`` (faiss warns below 39 training points per centroid);
  at least 1.
- ``nprobe`` sweep: 1, 2, 4, ... up to ``nlist`` (all cells = exhaustive within the cells).
- PQ ``m`` (sub-quantizers): the largest divisor of ``dim`` not above ``dim / 8`` (8 dimensions
  per sub-vector, 1 byte each at ``nbits=8``); ``nbits`` 8, or less when ``n`` is small
  (k-means of ``2**nbits`` centroids needs ``n >= 2**nbits``).
"""

from __future__ import annotations

import math

#: faiss prints a warning below this many training points per centroid.
POINTS_PER_CENTROID = 39


def default_nlist(n: int) -> int:
    """Power of two nearest ``4 * sqrt(n)``, capped so every cell has 39 training points."""
    target = 4 * math.sqrt(max(n, 1))
    nlist = 2 ** round(math.log2(target)) if target >= 1 else 1
    cap = n // POINTS_PER_CENTROID
    while nlist > 1 and nlist > cap:
        nlist //= 2
    return nlist


def powers_up_to(limit: int) -> tuple[int, ...]:
    """``1, 2, 4, ...`` up to ``limit``, with ``limit`` itself last."""
    values = [2**i for i in range(int(math.log2(max(limit, 1))) + 1)]
    if values[-1] != limit:
        values.append(limit)
    return tuple(values)


def default_pq_m(dim: int) -> int:
    """Largest divisor of ``dim`` that is at most ``max(1, dim // 8)``."""
    cap = max(1, dim // 8)
    return max(m for m in range(1, cap + 1) if dim % m == 0)


def default_nbits(n: int) -> int:
    """8, lowered until ``2**nbits`` centroids have 39 training points each (at least 4)."""
    nbits = 8
    while nbits > 4 and n < POINTS_PER_CENTROID * 2**nbits:
        nbits -= 1
    return nbits
