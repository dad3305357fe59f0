"""Exact ranks for the four image–text retrieval protocols, in one chunked pass.

With caption embeddings ``T`` (Nc × D), image embeddings ``V`` (Ni × D), ``img(c)`` the image of
caption ``c`` and ``first(j)`` the first caption of image ``j``, the score is the float32 matrix
product entry ``s(c, i) = <T_c, V_i>`` (one GEMM; those values are the truth for ties):

* ``t2i``: every caption ``c`` queries all images;
  ``rank_c = 1 + #{i != img(c) : s(c, i) >= s(c, img(c))}``.
* ``t2i-first``: the ``t2i`` ranks of the captions ``first(j)`` (a query's rank does not
  depend on the other queries).
* ``i2t``: every image ``j`` queries all captions, best positive ``tau_j = max_{img(c)=j} s(c, j)``;
  ``rank_j = 1 + #{c : img(c) != j, s(c, j) >= tau_j}`` (the rank of the first hit).
* ``i2t-symmetric``: every image ``j`` queries the captions ``first(k)`` only;
  ``rank_j = 1 + #{k != j : s(first(k), j) >= s(first(j), j)}``.

**Tie policy (pessimistic):** a negative whose score equals the best positive's score is
ranked ahead of it, so ties always cost and input order never matters; ties among positives
do not change the rank of the best one.

**Exactness:** every decision uses the same float32 GEMM values, so the ranks are exact for
those values (never for a differently rounded recomputation). A BLAS may round one dot product
differently for different chunk shapes (within the float32 error bound), so ranks decided by
sub-ulp near-ties may depend on ``chunk_mb`` (OpenBLAS: only for chunks of 1 or 2 rows).

Memory stays bounded: captions are scored in row chunks of about ``chunk_mb`` MB of float32
scores (plus the chunk's caption rows, ``4 D`` bytes each, and about 0.5 MB of masks per
thread); the Nc × Ni matrix is never stored. Column-wise ranks, whose thresholds are known only
after the last chunk, are made exact by a bracket around each threshold (see
:mod:`embedlab.scoring._rank_pass`). The element-wise work after each GEMM chunk runs in small
row tiles on the BLAS's thread count; thread count and tile size never change a rank.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import ConfigError, UnknownNameError
from embedlab.scoring._inputs import prepare
from embedlab.scoring._rank_pass import PassOutput, run_pass

RetrievalProtocol = Literal["t2i", "t2i-first", "i2t", "i2t-symmetric"]
RETRIEVAL_PROTOCOLS: tuple[RetrievalProtocol, ...] = ("t2i", "t2i-first", "i2t", "i2t-symmetric")
DEFAULT_CHUNK_MB = 32.0


@dataclass(frozen=True)
class ProtocolRanks:
    """Per-query ranks of one protocol.

    Attributes:
        protocol: the protocol name.
        query_kind: ``"caption"`` (``t2i``, ``t2i-first``) or ``"image"`` (``i2t``,
            ``i2t-symmetric``).
        queries: index of each query caption or image (into the caption / image arrays).
        ranks: 1-based rank of the best positive for each query, int64.
    """

    protocol: RetrievalProtocol
    query_kind: Literal["caption", "image"]
    queries: NDArray[np.int64]
    ranks: NDArray[np.int64]


@dataclass(frozen=True)
class RetrievalRanks:
    """Ranks of all four protocols (see the module docstring for the formulas).

    Attributes:
        t2i: rank per caption, shape ``(Nc,)``.
        t2i_first: rank per image's first caption, shape ``(Ni,)``, query ``first_caption[j]``.
        i2t: rank of the first positive per image over all captions, shape ``(Ni,)``.
        i2t_symmetric: rank per image over the first captions, shape ``(Ni,)``.
        first_caption: caption index of the first caption of each image, shape ``(Ni,)``.
    """

    t2i: NDArray[np.int64]
    t2i_first: NDArray[np.int64]
    i2t: NDArray[np.int64]
    i2t_symmetric: NDArray[np.int64]
    first_caption: NDArray[np.int64]

    def get(self, protocol: str) -> ProtocolRanks:
        """Ranks and query indices of one protocol by name."""
        name = _check_protocols([protocol])[0]
        ranks = {"t2i": self.t2i, "t2i-first": self.t2i_first, "i2t": self.i2t}
        return _protocol_ranks(name, ranks.get(name, self.i2t_symmetric), self.first_caption)


def _protocol_ranks(
    name: RetrievalProtocol, ranks: NDArray[np.int64], first: NDArray[np.int64]
) -> ProtocolRanks:
    if name == "t2i-first":
        return ProtocolRanks(name, "caption", first, ranks)
    kind: Literal["caption", "image"] = "caption" if name == "t2i" else "image"
    return ProtocolRanks(name, kind, np.arange(ranks.shape[0], dtype=np.int64), ranks)


def _check_protocols(protocols: Iterable[str]) -> list[RetrievalProtocol]:
    names = list(dict.fromkeys(protocols))
    for name in names:
        if name not in RETRIEVAL_PROTOCOLS:
            raise UnknownNameError("retrieval protocol", name, RETRIEVAL_PROTOCOLS)
    if not names:
        raise ConfigError("no retrieval protocol requested")
    return cast(list[RetrievalProtocol], names)


def rows_per_chunk(n_images: int, chunk_mb: float) -> int:
    """Caption rows per chunk: ``max(1, floor(chunk_mb * 2**20 / (4 * n_images)))``."""
    if not chunk_mb > 0:
        raise ConfigError(f"chunk_mb must be a positive number of megabytes, got {chunk_mb!r}")
    return max(1, int(chunk_mb * 2**20 // (4 * n_images)))


def rank_protocols(
    text_emb: ArrayLike,
    image_emb: ArrayLike,
    caption_image: ArrayLike,
    protocols: Iterable[str] = RETRIEVAL_PROTOCOLS,
    *,
    first_caption: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
) -> dict[RetrievalProtocol, ProtocolRanks]:
    """Exact pessimistic ranks of the requested protocols, in one chunked pass.

    Only the work the protocols need is done: ``t2i-first`` and ``i2t-symmetric`` alone score
    just the first captions (an Ni × Ni product).

    Args:
        text_emb: caption embeddings, ``(Nc, D)``; converted to float32.
        image_emb: image embeddings, ``(Ni, D)``; converted to float32.
        caption_image: image index of each caption, ``(Nc,)``; every image needs a caption.
        protocols: names among :data:`RETRIEVAL_PROTOCOLS`.
        first_caption: first caption of each image, ``(Ni,)``; default: lowest caption index.
        chunk_mb: size of one float32 score chunk in MB (2**20 bytes).

    Returns:
        A :class:`ProtocolRanks` per requested protocol, in the order asked.

    Raises:
        ModelError: bad embedding shapes, dimension mismatch, NaN/inf or float32 overflow.
        DataError: bad ``caption_image`` / ``first_caption``.
        ConfigError: bad ``chunk_mb`` or no protocol; UnknownNameError for an unknown name.
        BackendError: the BLAS broke the float32 error bound (never silently wrong ranks).
    """
    names = _check_protocols(protocols)
    need_all_rows = "t2i" in names or "i2t" in names
    inp, order, first = prepare(
        text_emb, image_emb, caption_image, first_caption, first_only=not need_all_rows
    )
    out = run_pass(
        inp,
        rows_per_chunk(inp.image.shape[0], chunk_mb),
        rows="t2i" in names or "t2i-first" in names,
        i2t="i2t" in names,
        symmetric="i2t-symmetric" in names,
    )
    n_img, n_cap = inp.image.shape[0], np.asarray(caption_image).shape[0]
    picked = {name: _pick(name, out, order, n_cap, n_img) for name in names}
    return {name: _protocol_ranks(name, ranks, first) for name, ranks in picked.items()}


def rank_retrieval(
    text_emb: ArrayLike,
    image_emb: ArrayLike,
    caption_image: ArrayLike,
    *,
    first_caption: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
) -> RetrievalRanks:
    """Ranks of all four protocols in one pass; arguments as in :func:`rank_protocols`."""
    got = rank_protocols(
        text_emb, image_emb, caption_image, first_caption=first_caption, chunk_mb=chunk_mb
    )
    return RetrievalRanks(
        t2i=got["t2i"].ranks,
        t2i_first=got["t2i-first"].ranks,
        i2t=got["i2t"].ranks,
        i2t_symmetric=got["i2t-symmetric"].ranks,
        first_caption=got["t2i-first"].queries,
    )


def _pick(
    name: RetrievalProtocol, out: PassOutput, order: NDArray[np.int64], n_cap: int, n_img: int
) -> NDArray[np.int64]:
    """The ranks of ``name`` by caption / image index (pass rows are in ``order``)."""
    if name in ("i2t", "i2t-symmetric"):
        ranks = out.i2t if name == "i2t" else out.i2t_symmetric
        return cast(NDArray[np.int64], ranks)
    rows = cast(NDArray[np.int64], out.row_ranks)
    if name == "t2i-first":  # rows 0..Ni-1 are the first captions, in image order
        return np.array(rows[:n_img], copy=True)
    t2i = np.empty(n_cap, dtype=np.int64)
    t2i[order] = rows
    return t2i
