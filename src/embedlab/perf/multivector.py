"""Speed of multi-vector (late-interaction) models: tokens per item and MaxSim throughput.

A multi-vector encoder (:class:`~embedlab.models.multivector.MultiVectorEncoder`: ColPali,
ColQwen2) is timed by the same loop as a dense one (warm-up, interleaved rounds, percentiles,
stability verdict, peak RSS). What differs:

- **outputs** are :class:`~embedlab.core.multivector.MultiVectors`; the first call checks one
  item per input, ``D = token_dim`` and finite tokens (:func:`checked_tokens`), and parity
  against torch fp32 is the cosine of each token vector with the reference's same token;
- **tokens per item**: every row of a case carries ``tokens_per_item``, the mean token count of
  the items its calls returned (:class:`TokenTally`, read from the outputs of the timed calls:
  images have a fixed count for ColPali, 1030; queries grow with their words);
- **MaxSim throughput**: one more case per model and thread count, modality ``maxsim``: one
  query of ``Tq`` tokens (the measured text tokens per item) scored by exact MaxSim
  (:func:`embedlab.scoring.maxsim.maxsim_scores`) against ``N`` documents (``--maxsim-docs``,
  default 1000) of ``Td`` tokens (the measured image tokens per item), all of width ``D``,
  random unit float32 vectors drawn from a seeded generator (the work does not depend on the
  values). Its ``throughput`` row is documents scored per second for that one query (unit
  ``docs/s``, ``batch_size`` = ``N``), its latency rows are milliseconds per query over the
  ``N`` documents; ``maxsim`` on the rows states ``N``, ``Td``, ``Tq``, ``D``, the token dot
  products per query (``Tq·N·Td``), the corpus bytes (``N·Td·D·4``) and the BLAS threads
  (limited to the case's thread count through threadpoolctl when it is installed). GFLOP/s is
  ``2·Tq·N·Td·D / seconds``. There is one MaxSim case per model and thread count (it does not
  depend on the model's precision); with ``--isolate`` each configuration's process times its
  own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ModelError
from embedlab.models.multivector import MultiVectorEncoder
from embedlab.perf.runner import Stage
from embedlab.scoring.maxsim import DEFAULT_CHUNK_MB, maxsim_scores

MAXSIM = "maxsim"
DEFAULT_MAXSIM_DOCS = 1000


def is_multi_vector(encoder: object) -> bool:
    """True for a late-interaction encoder (it has ``token_dim``)."""
    return isinstance(encoder, MultiVectorEncoder)


def checked_tokens(encoder: Any, modality: str, output: object, size: int) -> MultiVectors:
    """``output`` if it is ``size`` items of finite ``(n_i, token_dim)`` tokens.

    Raises:
        ModelError: anything else (one line naming the model and what came back).
    """
    dim = int(encoder.token_dim)
    ok = (
        isinstance(output, MultiVectors)
        and output.n_items == size
        and output.dim == dim
        and bool(np.isfinite(output.tokens).all())
    )
    if not ok or not isinstance(output, MultiVectors):
        got = (
            f"{output.n_items} items of width {output.dim}"
            if isinstance(output, MultiVectors)
            else type(output).__name__
        )
        raise ModelError(
            f"model {encoder.spec.name!r} returned {got} (or non-finite tokens) for {size} "
            f"{modality}s; expected {size} token matrices of width {dim}"
        )
    return output


@dataclass
class TokenTally:
    """Items and tokens of every output seen (``mean`` = tokens / items)."""

    items: int = 0
    tokens: int = 0

    def add(self, output: object) -> None:
        if isinstance(output, MultiVectors):
            self.items += output.n_items
            self.tokens += len(output.tokens)

    @property
    def mean(self) -> float | None:
        return self.tokens / self.items if self.items else None


def counting(stages: list[Stage], tally: TokenTally) -> list[Stage]:
    """``stages`` with the last one also adding its output to ``tally`` (cost: one offsets
    subtraction per call)."""
    *head, (name, work) = stages

    def counted(value: Any) -> Any:
        output = work(value)
        tally.add(output)
        return output

    return [*head, (name, counted)]


@dataclass(frozen=True)
class MaxSimSetting:
    """One query of ``query_tokens`` against ``docs`` documents of ``doc_tokens``, width ``dim``."""

    docs: int
    doc_tokens: int
    query_tokens: int
    dim: int
    seed: int = 0

    @property
    def dot_products(self) -> int:
        """Token dot products of one query: ``Tq · N · Td``."""
        return self.query_tokens * self.docs * self.doc_tokens

    def details(self, threads: int | None) -> dict[str, Any]:
        """What the ``maxsim`` rows record (see the module docstring)."""
        return {
            "docs": self.docs,
            "doc_tokens": self.doc_tokens,
            "query_tokens": self.query_tokens,
            "dim": self.dim,
            "dtype": "float32",
            "dot_products_per_query": self.dot_products,
            "flops_per_query": 2 * self.dot_products * self.dim,
            "corpus_bytes": self.docs * self.doc_tokens * self.dim * 4,
            "chunk_mb": DEFAULT_CHUNK_MB,
            "blas_threads": _blas_threads(threads),
        }


def unit_tokens(rng: np.random.Generator, items: int, tokens: int, dim: int) -> MultiVectors:
    """``items`` items of ``tokens`` random unit float32 vectors of width ``dim``."""
    flat = rng.standard_normal((items * tokens, dim), dtype=np.float32)
    flat /= np.linalg.norm(flat, axis=1, keepdims=True)
    offsets = np.arange(items + 1, dtype=np.int64) * tokens
    return MultiVectors(flat, offsets)


@dataclass
class MaxSimWork:
    """The synthetic query and corpus of a :class:`MaxSimSetting`, built once (shared by the
    thread counts of a model)."""

    setting: MaxSimSetting
    query: MultiVectors = field(init=False)
    corpus: MultiVectors = field(init=False)

    def __post_init__(self) -> None:
        s = self.setting
        rng = np.random.default_rng(s.seed)
        self.query = unit_tokens(rng, 1, s.query_tokens, s.dim)
        self.corpus = unit_tokens(rng, s.docs, s.doc_tokens, s.dim)

    def score(self, threads: int | None = None) -> NDArray[np.float32]:
        """Exact MaxSim of the query against every document, ``(1, N)``, on ``threads`` BLAS
        threads."""
        with _blas_limit(threads):
            return maxsim_scores(self.query, self.corpus)

    def stages(self, threads: int | None) -> list[Stage]:
        """The one timed stage, ``maxsim``."""
        return [(MAXSIM, lambda _: self.score(threads))]


@contextmanager
def _blas_limit(threads: int | None) -> Iterator[None]:
    """Limit BLAS to ``threads`` threads while scoring (when threadpoolctl is installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    if threads is None:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield


def _blas_threads(threads: int | None) -> int | str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "not controlled (threadpoolctl not installed)"
    if threads is not None:
        return threads
    counts = [int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts) if counts else "unknown"
