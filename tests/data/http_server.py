"""A tiny HTTP server on 127.0.0.1 that serves image bytes and records requests (for tests)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler


@dataclass
class ImageServer:
    """Serves ``files`` (URL path → bytes) on 127.0.0.1 and records every request.

    Paths in ``fail_times`` answer 503 that many times before serving; ``always_fail`` paths
    always answer 503; unknown paths answer 404.
    """

    base_url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    fail_times: Counter[str] = field(default_factory=Counter)
    always_fail: set[str] = field(default_factory=set)
    requests: Counter[str] = field(default_factory=Counter)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"


def make_handler(state: ImageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            state.requests[path] += 1
            if path in state.always_fail or state.fail_times[path] > 0:
                state.fail_times[path] -= 1
                self.send_error(503, "try later")
            elif path not in state.files:
                self.send_error(404, "no such image")
            else:
                body = state.files[path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    return Handler
