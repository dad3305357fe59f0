"""The two wire formats: request bodies and checked responses of the OpenAI and TEI APIs.

OpenAI ``POST /v1/embeddings``: ``{"input": [...], "model": M, "encoding_format": "float" |
"base64", "dimensions": N?}`` → ``{"data": [{"index": i, "embedding": [...] | "<base64>"}],
"model": ...}``; base64 is the little-endian float32 bytes of one vector.
TEI ``POST /embed``: ``{"inputs": [...], "normalize": bool, "truncate": bool}`` → ``[[...], ...]``.

Both round trips are exact for float32: a float32 written as a JSON number (the shortest repr of
its float64 value) parses back to the same float64, which casts back to the same float32;
base64 carries the bytes themselves.

Every check failure is one :class:`~embedlab.errors.BackendError` line naming the endpoint and
the field: not JSON, a missing or mistyped field, the wrong number of vectors, a vector of the
wrong dimension, a non-finite value.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import BackendError
from embedlab.runtimes.endpoint import Endpoint

#: The path each API embeds at.
EMBED_PATH = {"openai": "/v1/embeddings", "tei": "/embed"}


def request_body(
    endpoint: Endpoint, texts: Sequence[str], model: str, dimensions: int | None, encoding: str
) -> dict[str, Any]:
    """The JSON body of one embedding request (``encoding``: ``float`` or ``base64``)."""
    if endpoint.api == "openai":
        body: dict[str, Any] = {"input": list(texts), "model": model, "encoding_format": encoding}
        if dimensions is not None:
            body["dimensions"] = dimensions
        return body
    return {"inputs": list(texts), "normalize": True, "truncate": True}


def parse_vectors(
    endpoint: Endpoint, payload: Any, n_texts: int, expected_dim: int | None
) -> NDArray[np.float32]:
    """The ``(n_texts, D)`` float32 vectors of a decoded JSON response, checked."""
    if endpoint.api == "openai":
        rows = _openai_rows(endpoint, payload)
        where = "data[{i}].embedding"
    else:
        if not isinstance(payload, list):
            raise _bad(endpoint, "the response body", "is not a JSON list of vectors")
        rows = [_float_row(endpoint, f"[{i}]", v) for i, v in enumerate(payload)]
        where = "[{i}]"
    if len(rows) != n_texts:
        raise _bad(endpoint, "the response", f"holds {len(rows)} vectors for {n_texts} inputs")
    dims = {row.shape[0] for row in rows}
    if (expected_dim is not None and dims != {expected_dim}) or len(dims) > 1:
        want = expected_dim if expected_dim is not None else rows[0].shape[0]
        i = next(i for i, row in enumerate(rows) if row.shape[0] != want)
        raise _bad(
            endpoint,
            where.format(i=i),
            f"has {rows[i].shape[0]} values, expected dimension {want}",
        )
    vectors = np.stack(rows) if rows else np.zeros((0, expected_dim or 0), np.float32)
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise _bad(endpoint, where.format(i=i), "holds a non-finite value (NaN or inf)")
    return vectors


def _openai_rows(endpoint: Endpoint, payload: Any) -> list[NDArray[np.float32]]:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        raise _bad(endpoint, "data", "is missing or not a list")
    by_index: dict[int, NDArray[np.float32]] = {}
    for position, item in enumerate(data):
        index = item.get("index", position) if isinstance(item, dict) else None
        if not isinstance(index, int) or isinstance(index, bool) or index in by_index:
            raise _bad(endpoint, f"data[{position}].index", "is missing, repeated or not an int")
        field = f"data[{position}].embedding"
        value = item.get("embedding")
        if isinstance(value, str):
            by_index[index] = _base64_row(endpoint, field, value)
        else:
            by_index[index] = _float_row(endpoint, field, value)
    if sorted(by_index) != list(range(len(by_index))):
        raise _bad(endpoint, "data[].index", f"is not 0..{len(by_index) - 1}")
    return [by_index[i] for i in range(len(by_index))]


def _float_row(endpoint: Endpoint, field: str, value: Any) -> NDArray[np.float32]:
    if not isinstance(value, list) or not value:
        raise _bad(endpoint, field, "is not a non-empty list of numbers")
    if not all(isinstance(x, float | int) and not isinstance(x, bool) for x in value):
        raise _bad(endpoint, field, "holds a value that is not a number")
    return np.asarray(value, dtype=np.float64).astype(np.float32)


def _base64_row(endpoint: Endpoint, field: str, value: str) -> NDArray[np.float32]:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(endpoint, field, "is not valid base64") from None
    if not raw or len(raw) % 4:
        raise _bad(endpoint, field, f"decodes to {len(raw)} bytes, not whole float32 values")
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def error_detail(payload: Any) -> str:
    """The message of an error body in either API's shape (``""`` when there is none)."""
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            return str(error.get("message", ""))[:200]
        if isinstance(error, str):
            return error[:200]
    return ""


def _bad(endpoint: Endpoint, field: str, problem: str) -> BackendError:
    return BackendError(
        f"endpoint {endpoint.url} ({endpoint.api} API): response field {field} {problem}; "
        "is it an embeddings endpoint of that API?"
    )
