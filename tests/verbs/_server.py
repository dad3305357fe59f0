"""A real ``embedlab serve`` app on 127.0.0.1 with an ephemeral port, in a thread of the test.

``running(app)`` starts uvicorn (bounded wait for start-up), yields the base URL, and always
stops the server (``should_exit``, bounded join) — also when the test fails.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

START_SECONDS = 20.0


@contextmanager
def running(app: Any) -> Iterator[str]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="embedlab-test-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Faults:
    """ASGI middleware answering the next requests to ``path`` with ``statuses`` (in order),
    then passing through; or rewriting ``/embed`` bodies with ``rewrite``. Counts requests."""

    def __init__(self, app: Any, path: str = "", statuses: tuple[int, ...] = ()) -> None:
        self.app, self.path, self.statuses = app, path, list(statuses)
        self.requests = 0
        self.rewrite: bytes | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        self.requests += 1
        if self.statuses or self.rewrite is not None:
            status = self.statuses.pop(0) if self.statuses else 200
            body = self.rewrite if status == 200 and self.rewrite is not None else b"{}"
            headers = [(b"content-type", b"application/json"), (b"retry-after", b"0")]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
