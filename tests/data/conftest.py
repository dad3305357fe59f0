"""Fixtures of the data tests: a local HTTP image server and fast retry settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from embedlab.data import download
from tests.data.http_server import ImageServer, make_handler


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    """A started :class:`ImageServer`, shut down when the test ends."""
    state = ImageServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the retry backoff and timeouts of downloads tiny in tests."""
    monkeypatch.setattr(download, "BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(download, "TIMEOUT_SECONDS", 5.0)
