"""The ASGI app of ``embedlab serve``: one embedlab encoder behind the OpenAI and TEI routes.

Routes:

- ``POST /v1/embeddings`` (OpenAI): ``input`` (a string or a list of strings; token arrays are
  refused), ``model`` (must name the served model: its embedlab name, its reference, or the
  reference without options), ``encoding_format`` (``float`` | ``base64``: little-endian
  float32 bytes), ``dimensions`` (Matryoshka: the first N values, renormalised; N larger than
  the model's dimension is refused). Errors: ``{"error": {"message", "type", "param", "code"}}``.
- ``POST /embed`` (TEI): ``inputs`` (string or list), ``normalize`` (default true; the
  encoders return what the model gives, which for the embedlab text models is L2-normalised),
  ``truncate`` (accepted; the encoder always truncates at its maximum length). Errors:
  ``{"error": ..., "error_type": ...}``.
- ``GET /info`` (TEI's field names, plus ``dim``, ``embedlab_version``, ``model_fingerprint``
  and ``pid``, which the load test uses to measure the server's CPU), ``GET /health``.

Limits (:class:`ServeLimits`): request body bytes (413), inputs per request
(``max_client_batch_size``, 413), characters per input (413). Encoding runs in a worker thread,
one request at a time (:class:`threading.Lock`): a model is not assumed to be thread-safe, and
concurrent requests queue as they would on a one-worker server. Float vectors are written with
``ndarray.tolist()`` (the exact float64 value of each float32), so both encodings round-trip
exactly. An ``api_key`` makes every route but ``/health`` require ``Authorization: Bearer KEY``
(compared in constant time; never logged).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route functions' annotations
# (``Request``, imported inside build_app to keep fastapi lazy) at definition time.
import base64
import hmac
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.core.clock import embedlab_version
from embedlab.models.base import Encoder
from embedlab.models.matryoshka import truncate_renormalize


@dataclass(frozen=True)
class ServeLimits:
    """Request size limits of the server."""

    max_body_bytes: int = 4 * 1024 * 1024
    max_batch: int = 64
    max_chars: int = 32_768


@dataclass(frozen=True)
class Served:
    """What is served: the encoder, its names, and the figures ``/info`` reports."""

    encoder: Encoder
    fingerprint: str
    dim: int
    limits: ServeLimits = ServeLimits()
    api_key: str | None = None

    @property
    def names(self) -> set[str]:
        """Model names a request may use: ``st:x?dim=8``, ``x?dim=8``, ``x``."""
        spec = self.encoder.spec
        return {spec.name, spec.ref, spec.ref.partition("?")[0]}

    def info(self) -> dict[str, Any]:
        spec = self.encoder.spec
        return {
            "model_id": spec.name,
            "model_sha": None,
            "model_fingerprint": self.fingerprint,
            "model_dtype": spec.precision,
            "model_type": {"embedding": {"pooling": "model"}},
            "max_client_batch_size": self.limits.max_batch,
            "max_input_length": self.limits.max_chars,
            "dim": self.dim,
            "runtime": spec.runtime,
            "version": embedlab_version(),
            "embedlab_version": embedlab_version(),
            "pid": os.getpid(),
        }


class RequestFault(Exception):
    """A bad request: the HTTP status, the message and the field it concerns."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


def build_app(served: Served) -> Any:
    """The FastAPI app serving ``served`` (fastapi imported here: ``embedlab[serve]``)."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool

    app = FastAPI(title="embedlab serve", docs_url=None, redoc_url=None, openapi_url=None)
    lock = threading.Lock()

    def encode(texts: list[str]) -> NDArray[np.float32]:
        with lock:
            return np.asarray(served.encoder.encode_texts(texts, role="query"), np.float32)

    async def handle(request: Request, api: str, answer: Callable[[Any], Any]) -> Any:
        try:
            _check_key(request.headers.get("authorization"), served.api_key)
            body = await request.body()
            if len(body) > served.limits.max_body_bytes:
                raise RequestFault(413, f"request body over {served.limits.max_body_bytes} bytes")
            payload = _json_object(body)
            texts, prepared = answer(payload)
            vectors = await run_in_threadpool(encode, texts)
            return JSONResponse(prepared(vectors))
        except RequestFault as fault:
            return JSONResponse(_error_body(api, fault), status_code=fault.status)

    @app.post("/v1/embeddings")
    async def openai_embeddings(request: Request) -> Any:
        return await handle(request, "openai", lambda p: _openai(p, served))

    @app.post("/embed")
    async def tei_embed(request: Request) -> Any:
        return await handle(request, "tei", lambda p: _tei(p, served))

    @app.get("/info")
    async def info(request: Request) -> Any:
        try:
            _check_key(request.headers.get("authorization"), served.api_key)
        except RequestFault as fault:
            return JSONResponse(_error_body("tei", fault), status_code=fault.status)
        return served.info()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


Prepared = tuple[list[str], Callable[[NDArray[np.float32]], Any]]


def _openai(payload: dict[str, Any], served: Served) -> Prepared:
    texts = _texts(payload.get("input"), "input", served.limits)
    model = payload.get("model")
    if model not in served.names:
        raise RequestFault(404, f"model {model!r} is not served here; use one of "
                           f"{sorted(served.names)}", "model")  # fmt: skip
    encoding = payload.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise RequestFault(400, "encoding_format must be 'float' or 'base64'", "encoding_format")
    dimensions = payload.get("dimensions")
    if dimensions is not None and (
        not isinstance(dimensions, int) or isinstance(dimensions, bool)
        or not 1 <= dimensions <= served.dim
    ):  # fmt: skip
        raise RequestFault(400, f"dimensions must be an integer in 1..{served.dim}", "dimensions")

    def answer(vectors: NDArray[np.float32]) -> Any:
        if dimensions is not None and dimensions < vectors.shape[1]:
            vectors = truncate_renormalize(vectors, dimensions)
        data = [
            {"object": "embedding", "index": i, "embedding": _encoded(v, encoding)}
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": 0, "total_tokens": 0}
        return {"object": "list", "data": data, "model": model, "usage": usage}

    return texts, answer


def _tei(payload: dict[str, Any], served: Served) -> Prepared:
    texts = _texts(payload.get("inputs"), "inputs", served.limits)
    for flag in ("normalize", "truncate"):
        if not isinstance(payload.get(flag, True), bool):
            raise RequestFault(422, f"{flag} must be true or false", flag)
    return texts, lambda vectors: vectors.tolist()


def _encoded(vector: NDArray[np.float32], encoding: str) -> Any:
    if encoding == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return vector.tolist()


def _texts(value: Any, field: str, limits: ServeLimits) -> list[str]:
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise RequestFault(422, f"{field} must be a string or a non-empty list of strings", field)
    if len(texts) > limits.max_batch:
        raise RequestFault(413, f"{field} holds {len(texts)} items; at most {limits.max_batch} "
                           "per request (max_client_batch_size in /info)", field)  # fmt: skip
    if any(len(t) > limits.max_chars for t in texts):
        raise RequestFault(413, f"an item of {field} is over {limits.max_chars} characters", field)
    return texts


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise RequestFault(400, "the request body is not JSON") from None
    if not isinstance(payload, dict):
        raise RequestFault(422, "the request body must be a JSON object")
    return payload


def _check_key(header: str | None, key: str | None) -> None:
    if key is None:
        return
    given = (header or "").removeprefix("Bearer ").encode()
    if not hmac.compare_digest(given, key.encode()):
        raise RequestFault(401, "missing or wrong API key (Authorization: Bearer ...)")


def _error_body(api: str, fault: RequestFault) -> dict[str, Any]:
    if api == "tei":
        kind = {401: "Unauthorized", 413: "Overloaded"}.get(fault.status, "Validation")
        return {"error": fault.message, "error_type": kind}
    kind = "invalid_request_error" if fault.status != 401 else "authentication_error"
    code = {404: "model_not_found", 401: "invalid_api_key"}.get(fault.status)
    return {"error": {"message": fault.message, "type": kind, "param": fault.param, "code": code}}
