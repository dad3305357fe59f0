"""Exact ranks of the four image–text retrieval protocols for late-interaction (MaxSim) models.

The score is one matrix, the caption always on the query side (docs/protocols.md)::

    s(c, i) = MaxSim(caption c -> image i) = sum_t max_s <q_ct, d_is>

as :func:`embedlab.scoring.maxsim.maxsim_blocks` computes it (those float32 values are the truth
for ties). The protocols and the **pessimistic** tie policy are those of
:mod:`embedlab.scoring.retrieval`, on this matrix:

* ``t2i``: ``rank_c = 1 + #{i != img(c) : s(c, i) >= s(c, img(c))}``;
* ``t2i-first``: the ``t2i`` ranks of the captions ``first(j)``;
* ``i2t``: ``tau_j = max_{img(c)=j} s(c, j)``, ``rank_j = 1 + #{c : img(c) != j, s(c, j) >= tau_j}``
  (the same matrix ranked per image column, never MaxSim(image -> caption));
* ``i2t-symmetric``: ``rank_j = 1 + #{k != j : s(first(k), j) >= s(first(j), j)}``.

Memory stays bounded; the ``Nc x Ni`` matrix is never stored. First the positive scores are
estimated pair by pair (:func:`~embedlab.scoring.maxsim.maxsim_pairs`, ``Nc`` pairs). Then one
streaming pass over the MaxSim blocks counts, per caption row and per image column, the
negatives above a bracket ``[lo, hi]`` around the estimate and keeps the few negatives inside
the bracket; the exact positive value of each row and column is read from the blocks as they
pass, and the kept values are resolved against it at the end
(the scheme of :mod:`embedlab.scoring._deferred`). The bracket's margin bounds
the difference of two float32 evaluations of one MaxSim (``m`` query tokens, ``D`` dims,
``u = 2**-24``, ``gamma_n = n u / (1 - n u)``, ``A = sum_t |q_t| * max_s |d_s|``)::

    |fl(MaxSim) - MaxSim| <= (gamma_D + gamma_m (1 + gamma_D)) A + (1 + gamma_m) m D TINY

(each dot product within ``gamma_D |q_t| |d_s|``, ``max`` exact on the computed values, the
``m``-term sum within ``gamma_m`` of its absolute terms), doubled for two evaluations. A
positive found outside its bracket raises :class:`~embedlab.errors.BackendError` (never a
silently wrong rank). Work: one MaxSim pass (``t2i-first`` / ``i2t-symmetric`` alone score the
first captions only) plus ``Nc`` pair scores.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.errors import BackendError, DataError, ModelError
from embedlab.scoring._bounds import bracket
from embedlab.scoring._inputs import _relevance
from embedlab.scoring.maxsim import DEFAULT_CHUNK_MB, maxsim_blocks, maxsim_pairs
from embedlab.scoring.retrieval import (
    RETRIEVAL_PROTOCOLS,
    ProtocolRanks,
    RetrievalProtocol,
    _check_protocols,
)

_U = 2.0**-24
_TINY = 2.0**-149
_SLACK = 1.0 + 2.0**-20


def _gamma(n: NDArray[np.float64] | float) -> NDArray[np.float64]:
    return np.asarray(n * _U / (1.0 - n * _U), dtype=np.float64)


def _norm_terms(mv: MultiVectors, what: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per item ``sum_t |x_t|`` and ``max_t |x_t|`` (float64); non-finite tokens are refused."""
    tok = mv.tokens.astype(np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", tok, tok))
    if not np.isfinite(norms).all():
        bad = int(np.searchsorted(mv.offsets, int(np.argmax(~np.isfinite(norms))), "right")) - 1
        raise ModelError(f"{what} {bad} has a NaN or infinite token value; check the model output")
    starts = mv.offsets[:-1]
    return np.add.reduceat(norms, starts), np.maximum.reduceat(norms, starts)


def pair_margins(
    q_sum: NDArray[np.float64], d_max: NDArray[np.float64], m: NDArray[np.int64], dim: int
) -> NDArray[np.float64]:
    """Twice the error bound of the module docstring for pairs with ``A = q_sum * d_max``."""
    g_d, g_m = _gamma(float(dim)), _gamma(m.astype(np.float64))
    one = (g_d + g_m * (1.0 + g_d)) * q_sum * d_max + (1.0 + g_m) * m * dim * _TINY
    out: NDArray[np.float64] = 2.0 * one * _SLACK + 4.0 * dim * _TINY
    return out


class _Threshold:
    """Counts negatives ``>= tau`` per target (a caption row or an image column), where ``tau``
    (the largest positive block value of the target) is only read during the pass.

    Scores ``>= hi`` are counted on the fly, scores in ``[lo, hi)`` kept with their target and
    resolved by :meth:`ranks`, lower ones dropped (module docstring).
    """

    def __init__(self, estimate: NDArray[np.float64], margin: NDArray[np.float64]) -> None:
        self.lo, self.hi = bracket(estimate, margin)
        self.above = np.zeros(len(estimate), dtype=np.int64)
        self.tau = np.full(len(estimate), -np.inf, dtype=np.float32)
        self._targets: list[NDArray[np.int64]] = []
        self._values: list[NDArray[np.float32]] = []

    def add(self, targets: NDArray[np.int64], negatives: NDArray[np.float32]) -> None:
        """``negatives``: one row of scores per target, positives already ``-inf``."""
        hi, lo = self.hi[targets][:, None], self.lo[targets][:, None]
        self.above[targets] += (negatives >= hi).sum(axis=1)
        r, k = np.nonzero((negatives >= lo) & (negatives < hi))
        if r.size:
            self._targets.append(targets[r])
            self._values.append(negatives[r, k])

    def positive(self, targets: NDArray[np.int64], values: NDArray[np.float32]) -> None:
        """Block values of positives of ``targets`` (``tau`` is their maximum)."""
        np.maximum.at(self.tau, targets, values)

    def ranks(self) -> NDArray[np.int64]:
        """``1 + #{negatives >= tau}`` per target.

        Raises:
            BackendError: a ``tau`` outside its bracket (the BLAS broke the error bound).
        """
        outside = ~((self.lo <= self.tau) & (self.tau <= self.hi))
        if outside.any():
            j = int(np.argmax(outside))
            raise BackendError(
                f"MaxSim score outside its float32 error bound (target {j}: "
                f"{float(self.tau[j])!r} not in [{float(self.lo[j])!r}, {float(self.hi[j])!r}]); "
                "the BLAS library may run in reduced precision (check MKL/OpenBLAS settings)"
            )
        counts = np.array(self.above, copy=True)
        if self._targets:
            t, v = np.concatenate(self._targets), np.concatenate(self._values)
            counts += np.bincount(t[v >= self.tau[t]], minlength=len(counts))
        return 1 + counts


def rank_late_protocols(
    text_tokens: MultiVectors,
    image_tokens: MultiVectors,
    caption_image: ArrayLike,
    protocols: Iterable[str],
    *,
    first_caption: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
) -> dict[RetrievalProtocol, ProtocolRanks]:
    """Exact pessimistic MaxSim ranks of the requested protocols (module docstring).

    Arguments and result as :func:`embedlab.scoring.retrieval.rank_protocols`, with the caption
    and image token vectors in place of the embeddings; ``chunk_mb`` sizes one token-score
    block (it never changes a rank).

    Raises:
        DataError: dimension mismatch, bad ``caption_image`` / ``first_caption``.
        ModelError: a NaN/inf token.
        BackendError: the BLAS broke the float32 error bound.
    """
    names = _check_protocols(protocols)
    if text_tokens.dim != image_tokens.dim:
        raise DataError(
            f"caption tokens have {text_tokens.dim} dims but image tokens {image_tokens.dim}; "
            "they must come from one model"
        )
    n_cap, n_img = text_tokens.n_items, image_tokens.n_items
    img, first = _relevance(caption_image, first_caption, n_cap, n_img)
    if "t2i" in names or "i2t" in names:
        queries, q_img, q_first = text_tokens, img.astype(np.int64), first
    else:  # only the first captions are needed: an Ni x Ni pass
        every = np.arange(n_img, dtype=np.int64)
        queries, q_img, q_first = text_tokens.select(first), every, every
    rows, cols, sym = _pass(queries, image_tokens, q_img, q_first, chunk_mb, set(names))
    out: dict[RetrievalProtocol, ProtocolRanks] = {}
    row_ranks = rows.ranks() if rows is not None else None
    for name in names:
        if name == "t2i" and row_ranks is not None:
            out[name] = ProtocolRanks(name, "caption", np.arange(n_cap, dtype=np.int64), row_ranks)
        elif name == "t2i-first" and row_ranks is not None:
            out[name] = ProtocolRanks(name, "caption", first, row_ranks[q_first].copy())
        else:
            got = cols if name == "i2t" else sym
            assert got is not None
            out[name] = ProtocolRanks(name, "image", np.arange(n_img, dtype=np.int64), got.ranks())
    return out


def _pass(
    queries: MultiVectors,
    docs: MultiVectors,
    q_img: NDArray[np.int64],
    q_first: NDArray[np.int64],
    chunk_mb: float,
    names: set[RetrievalProtocol],
) -> tuple[_Threshold | None, _Threshold | None, _Threshold | None]:
    """The streaming pass: counts per query row (``t2i``), per image column (``i2t``) and per
    image column over the first captions ``q_first[j]`` only (``i2t-symmetric``)."""
    n_img = docs.n_items
    q_sum, _ = _norm_terms(queries, "caption")
    _, d_max = _norm_terms(docs, "image")
    estimate = maxsim_pairs(queries, docs, np.arange(queries.n_items), q_img).astype(np.float64)
    margin = pair_margins(q_sum, d_max[q_img], queries.counts, queries.dim)
    rows = _Threshold(estimate, margin) if {"t2i", "t2i-first"} & names else None
    cols = None
    if "i2t" in names:  # the max of estimates is within the largest margin of the max
        col_est, col_margin = np.full(n_img, -np.inf), np.zeros(n_img)
        np.maximum.at(col_est, q_img, estimate)
        np.maximum.at(col_margin, q_img, margin)
        cols = _Threshold(col_est, col_margin)
    sym = _Threshold(estimate[q_first], margin[q_first]) if "i2t-symmetric" in names else None
    is_first = np.zeros(queries.n_items, dtype=np.bool_)
    is_first[q_first] = True
    for b in maxsim_blocks(queries, docs, chunk_mb):
        s = b.scores
        q_ids = np.arange(b.q_start, b.q_stop, dtype=np.int64)
        col_ids = np.arange(b.d_start, b.d_stop, dtype=np.int64)
        pos = q_img[q_ids][:, None] == col_ids[None, :]
        r, k = np.nonzero(pos)
        neg = np.where(pos, np.float32(-np.inf), s)
        if rows is not None:
            rows.add(q_ids, neg)
            rows.positive(q_ids[r], s[r, k])
        if cols is not None:
            cols.add(col_ids, neg.T)
            cols.positive(col_ids[k], s[r, k])
        if sym is not None:
            f = is_first[q_ids]
            sym.add(col_ids, neg[f].T)
            fr = f[r]
            sym.positive(col_ids[k[fr]], s[r[fr], k[fr]])
    return rows, cols, sym


def rank_late_retrieval(
    text_tokens: MultiVectors,
    image_tokens: MultiVectors,
    caption_image: ArrayLike,
    *,
    first_caption: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
) -> dict[RetrievalProtocol, NDArray[np.int64]]:
    """Ranks of all four protocols by name (arguments as :func:`rank_late_protocols`)."""
    got = rank_late_protocols(
        text_tokens,
        image_tokens,
        caption_image,
        RETRIEVAL_PROTOCOLS,
        first_caption=first_caption,
        chunk_mb=chunk_mb,
    )
    return {name: got[name].ranks for name in RETRIEVAL_PROTOCOLS}
