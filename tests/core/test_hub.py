"""The quick Hub probe: offline switches, refused and silent endpoints, any HTTP answer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from embedlab.core import hub


@pytest.fixture(autouse=True)
def _online(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    hub.forget_probes()
    yield
    hub.forget_probes()


def closed_port() -> int:
    """A local port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_offline_variable_is_a_reason_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:1")

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("probed the network in offline mode")

    monkeypatch.setattr(hub, "_probe", no_network)
    assert hub.hub_unreachable_reason() == "HF_HUB_OFFLINE=1 is set (offline mode)"
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "true")
    assert "HF_DATASETS_OFFLINE" in str(
        hub.hub_unreachable_reason(("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"))
    )


def test_refused_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint + "/")
    assert hub.hub_endpoint() == endpoint
    assert hub.hub_unreachable_reason() == (
        f"the Hub at {endpoint} cannot be reached (connection refused)"
    )


def test_silent_server_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as server:  # accepts connections (backlog) but never answers
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        start = time.perf_counter()
        reason = hub.hub_unreachable_reason(timeout=0.5)
        assert time.perf_counter() - start < 10
    assert reason is not None and reason.endswith("(no answer within 0.5 s)")


class _NotFound(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_any_http_answer_is_reachable_and_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    server = HTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
        assert hub.hub_unreachable_reason() is None
    finally:
        server.shutdown()
        server.server_close()
    assert hub.hub_unreachable_reason() is None  # remembered for this endpoint
