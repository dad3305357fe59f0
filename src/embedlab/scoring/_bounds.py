"""Brackets around the GEMM's positive scores, known before the pass (internal).

For a pass row ``c`` (a caption) with positive image ``j = img(c)``, the pass uses the float32
GEMM value ``g_c = fl(<T_c, V_j>)``. Before the pass, a float32 estimate ``a_c`` of the same dot
product is computed (``einsum``, another summation order). Any float32 evaluation of a
``D``-term dot product, in any order, with or without FMA, satisfies (Higham, *Accuracy and
Stability of Numerical Algorithms*, §3.1)::

    |fl(<x, y>) - <x, y>| <= gamma_D * sum_k |x_k y_k| + D * TINY / 2,
    gamma_D = D u / (1 - D u),  u = 2**-24,  TINY = 2**-149 (underflowing products)

so ``|g_c - a_c| <= 2 gamma_D sum_k |T_ck V_jk| + D TINY <= 2 gamma_D |T_c| |V_j| + D TINY``.
The norms ``n_c``, ``m_j`` are themselves float32 sums of squares (nonnegative terms, so
``fl(sum x_k^2) >= (1 - gamma_D) sum x_k^2``), hence ``|T_c| |V_j| <= n_c m_j / (1 - gamma_D)``
and the margin used is::

    margin_c = 2 gamma_D n_c m_j / (1 - gamma_D) * (1 + 2**-20) + 4 D TINY

(the last factor and the doubled ``TINY`` term are slack for the float64 evaluation of this
formula). ``[a_c - margin_c, a_c + margin_c]`` therefore contains ``g_c`` whatever the BLAS
does within the float32 error bound; :mod:`embedlab.scoring._deferred` checks it anyway.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import NDArray

from embedlab.scoring._parallel import TilePool, row_blocks

_U = 2.0**-24
_TINY = 2.0**-149
_SLACK = 1.0 + 2.0**-20
#: Rows per block of the positive-score estimate (keeps the gathered image rows in cache).
POSITIVE_BLOCK = 256


def positive_estimates(
    text: NDArray[np.float32],
    image: NDArray[np.float32],
    image_of_text: NDArray[np.intp],
    pool: TilePool,
) -> NDArray[np.float32]:
    """Float32 ``a_c = <text_c, image_{image_of_text[c]}>`` for every row of ``text``."""
    n_rows = text.shape[0]
    approx = np.empty(n_rows, dtype=np.float32)

    def block(a: int, b: int, _thread: int) -> None:
        approx[a:b] = np.einsum("ij,ij->i", text[a:b], image[image_of_text[a:b]])

    pool.run([partial(block, a, b) for a, b in row_blocks(n_rows, POSITIVE_BLOCK)])
    return approx


def margins(
    text_norm: NDArray[np.float64], image_norm: NDArray[np.float64], dim: int
) -> NDArray[np.float64]:
    """``margin_c`` of the module docstring for norm pairs ``(n_c, m_img(c))``."""
    gamma = dim * _U / (1.0 - dim * _U)
    scale = 2.0 * gamma / (1.0 - gamma) * _SLACK
    out: NDArray[np.float64] = scale * text_norm * image_norm + 4.0 * dim * _TINY
    return out


def bracket(
    approx: NDArray[np.float64], margin: NDArray[np.float64]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Float32 ``[lo, hi]`` with ``lo <= approx - margin`` and ``hi >= approx + margin``."""
    lo = np.nextafter((approx - margin).astype(np.float32), np.float32(-np.inf))
    hi = np.nextafter((approx + margin).astype(np.float32), np.float32(np.inf))
    return lo, hi
