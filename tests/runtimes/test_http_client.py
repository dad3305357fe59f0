"""The endpoint client against stub transports (httpx.MockTransport, injected; no globals
patched): exact float/base64 decoding, retries with backoff, one-line errors, the API key."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import numpy as np
import pytest

from embedlab.errors import BackendError, ConfigError
from embedlab.runtimes.endpoint import Endpoint, endpoint_runtime, parse_endpoint
from embedlab.runtimes.http_client import ClientSettings, EndpointClient
from embedlab.runtimes.http_retry import RetryPolicy, retry_after_seconds

OPENAI = Endpoint("openai", "http://stub:9")
TEI = Endpoint("tei", "http://stub:9")
RNG = np.random.default_rng(7)
VECTORS = RNG.standard_normal((3, 5)).astype(np.float32)
KEY = "sk-test-SECRET-0123456789"


def openai_body(vectors: np.ndarray, encoding: str = "float") -> dict[str, Any]:
    def one(v: np.ndarray) -> Any:
        return v.tolist() if encoding == "float" else base64.b64encode(v.tobytes()).decode()

    data = [{"object": "embedding", "index": i, "embedding": one(v)} for i, v in enumerate(vectors)]
    return {"object": "list", "data": data[::-1], "model": "m"}  # out of order on purpose


def client(
    handler: Any, endpoint: Endpoint = OPENAI, **settings: Any
) -> tuple[EndpointClient, list[float]]:
    slept: list[float] = []
    retry = RetryPolicy(attempts=3, base=0.5, cap=4.0)
    made = EndpointClient(
        endpoint,
        ClientSettings(retry=retry, **settings),
        httpx.MockTransport(handler),
        slept.append,
    )
    return made, slept


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_openai_vectors_round_trip_exactly(encoding: str) -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        # the float body goes through a real JSON text, as on the wire
        return httpx.Response(200, content=json.dumps(openai_body(VECTORS, encoding)).encode())

    made, _ = client(handler, encoding=encoding)
    got = made.embed(["a", "b", "c"], "m", dimensions=5)
    assert got.dtype == np.float32 and np.array_equal(got, VECTORS)  # bit-exact, reordered
    assert seen == [{"input": ["a", "b", "c"], "model": "m", "encoding_format": encoding,
                     "dimensions": 5}]  # fmt: skip


def test_tei_request_and_response() -> None:
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, json.loads(request.content)))
        return httpx.Response(200, content=json.dumps(VECTORS.tolist()).encode())

    made, _ = client(handler, TEI)
    assert np.array_equal(made.embed(["a", "b", "c"], "m"), VECTORS)
    assert seen == [("/embed", {"inputs": ["a", "b", "c"], "normalize": True, "truncate": True})]


def test_retries_on_429_and_503_honour_retry_after_then_succeed() -> None:
    statuses = [429, 503]

    def handler(request: httpx.Request) -> httpx.Response:
        if statuses:
            return httpx.Response(statuses.pop(0), headers={"Retry-After": "2"})
        return httpx.Response(200, json=openai_body(VECTORS))

    made, slept = client(handler)
    assert np.array_equal(made.embed(["a", "b", "c"], "m"), VECTORS)
    assert slept == [2.0, 2.0]  # Retry-After is a floor above the jittered backoff (<= 0.5, 1)


def test_backoff_is_bounded_full_jitter() -> None:
    policy, rng = RetryPolicy(attempts=5, base=0.5, cap=1.5), np.random.default_rng(0)
    draws = np.random.default_rng(0).uniform(size=4)
    delays = [policy.delay(a, None, rng) for a in (1, 2, 3, 4)]
    expected = [draws[0] * 0.5, draws[1] * 1.0, draws[2] * 1.5, draws[3] * 1.5]
    assert delays == pytest.approx(expected)
    assert policy.delay(1, "30", rng) == 1.5  # a Retry-After beyond the cap is capped
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


@pytest.mark.parametrize("status", [429, 503])
def test_persistent_overload_gives_one_clear_line(status: int) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(status)

    made, slept = client(handler)
    with pytest.raises(BackendError) as caught:
        made.embed(["a"], "m")
    message = str(caught.value)
    assert len(calls) == 3 and len(slept) == 2 and "\n" not in message
    assert f"http://stub:9/v1/embeddings: HTTP {status} on each of 3 tries" in message


def test_connect_errors_are_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    made, slept = client(handler)
    with pytest.raises(BackendError, match="ConnectError on each of 3 tries"):
        made.embed(["a"], "m")
    assert len(slept) == 2


def test_other_statuses_are_not_retried_and_name_the_server_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": {"message": "model 'x' not found"}})

    made, slept = client(handler)
    with pytest.raises(BackendError, match=r"answered HTTP 404: model 'x' not found$"):
        made.embed(["a"], "x")
    assert slept == []


MALFORMED = [
    (b"<html>", "response body is not JSON"),
    (json.dumps({"data": "x"}).encode(), "response field data is missing or not a list"),
    (json.dumps({"data": [{"index": 0, "embedding": [1.0, "a"]}]}).encode(),
     "data[0].embedding holds a value that is not a number"),
    (json.dumps({"data": [{"index": 0, "embedding": "!!"}]}).encode(),
     "data[0].embedding is not valid base64"),
    (json.dumps({"data": [{"index": 0, "embedding": [1.0]}] * 2}).encode(),
     "data[1].index is missing, repeated or not an int"),
    (json.dumps({"data": [{"index": 0, "embedding": [1.0, 2.0]}]}).encode(),
     "response holds 1 vectors for 2 inputs"),
    (json.dumps({"data": [{"index": 0, "embedding": [1.0, 2.0]},
                          {"index": 1, "embedding": [1.0]}]}).encode(),
     "data[1].embedding has 1 values, expected dimension 2"),
    (b'{"data": [{"index": 0, "embedding": [1.0, NaN]}, {"index": 1, "embedding": [1, 2]}]}',
     "data[0].embedding holds a non-finite value"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "problem"), MALFORMED)
def test_malformed_responses_give_one_line_naming_endpoint_and_field(
    body: bytes, problem: str
) -> None:
    made, _ = client(lambda request: httpx.Response(200, content=body))
    with pytest.raises(BackendError) as caught:
        made.embed(["a", "b"], "m")
    message = str(caught.value)
    assert problem in message and "\n" not in message
    assert message.startswith("endpoint http://stub:9")


def test_dimension_mismatch_against_the_expected_dim() -> None:
    made, _ = client(lambda r: httpx.Response(200, json=VECTORS.tolist()), TEI)
    with pytest.raises(BackendError, match=r"field \[0\] has 5 values, expected dimension 384"):
        made.embed(["a", "b", "c"], "m", expected_dim=384)


def test_api_key_is_sent_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", KEY)
    headers: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers["authorization"])
        return httpx.Response(503, json={"error": {"message": "busy"}})

    made, _ = client(handler, api_key_env="MY_KEY")
    with pytest.raises(BackendError) as caught:
        made.embed(["a"], "m")
    assert headers == [f"Bearer {KEY}"] * 3
    shown = f"{caught.value!r} {caught.value} {made!r} {made.settings!r} {made.endpoint!r}"
    assert KEY not in shown


def test_named_key_variable_must_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_KEY", raising=False)
    with pytest.raises(ConfigError, match="--api-key-env NOPE_KEY: that environment variable"):
        client(lambda r: httpx.Response(200), api_key_env="NOPE_KEY")


def test_runtime_strings() -> None:
    assert endpoint_runtime("http://h:8080/", "tei") == "tei+http://h:8080"
    assert endpoint_runtime("openai+https://h", None) == "openai+https://h"
    assert endpoint_runtime("torch", None) == "torch"
    assert parse_endpoint("onnxruntime") is None
    assert parse_endpoint("tei+http://h:1") == Endpoint("tei", "http://h:1")
    for runtime, api, problem in [
        ("http://h:1", None, "say which API"),
        ("http://h:1", "grpc", "--api 'grpc' is not supported"),
        ("torch", "tei", "applies to an endpoint runtime"),
        ("http://user:pw@h:1", "tei", "must not hold credentials"),
        ("http://h:1?x=1", "tei", "without '?'"),
    ]:
        with pytest.raises(ConfigError, match=problem):
            endpoint_runtime(runtime, api)
