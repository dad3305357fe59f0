"""Model loads that need an unreachable Hub fail in seconds with one line, for every source."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from embedlab.core.hub import forget_probes
from embedlab.errors import ModelError
from embedlab.models.registry import get_source, parse_model


@pytest.fixture
def closed_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """HF_ENDPOINT at a local port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    forget_probes()
    yield endpoint
    forget_probes()


@pytest.mark.parametrize(
    "model",
    [
        "hf:nobody/not-cached-clip",
        "hf-text:nobody/not-cached-text?pooling=mean",
        "st:nobody/not-cached-st",
        "open_clip:hf-hub:nobody/not-cached-open-clip",
    ],
)
def test_unreachable_hub_fails_fast_with_one_line(closed_hub: str, model: str) -> None:
    spec = parse_model(model)
    start = time.monotonic()
    with pytest.raises(ModelError) as raised:
        get_source(spec).load(spec)
    assert time.monotonic() - start < 10
    message = str(raised.value)
    assert "\n" not in message and "cannot be reached" in message and closed_hub in message
    assert "nobody/not-cached" in message


def test_offline_variable_fails_without_probing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # never contacted
    forget_probes()
    spec = parse_model("hf:nobody/not-cached-clip")
    start = time.monotonic()
    with pytest.raises(ModelError, match="TRANSFORMERS_OFFLINE=1 is set"):
        get_source(spec).load(spec)
    assert time.monotonic() - start < 2
    forget_probes()
