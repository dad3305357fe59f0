"""A synchronous client of one embedding endpoint: ``/info``, batched embedding, retries.

httpx is imported when a client is made (``pip install 'embedlab[serve]'``). Tests inject an
``httpx.MockTransport`` (``transport=``) and a recording ``sleep``; nothing global is patched.

The API key comes from an environment variable (:func:`api_key`) and lives only in the
headers of the httpx client: it is never part of a message, a repr or the results.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import BackendError, ConfigError, MissingDependencyError
from embedlab.runtimes.endpoint import Endpoint
from embedlab.runtimes.http_retry import RETRY_STATUS, RetryPolicy
from embedlab.runtimes.http_wire import EMBED_PATH, error_detail, parse_vectors, request_body

#: Environment variables tried for the API key when ``--api-key-env`` is not given, in order.
DEFAULT_KEY_VARS = ("EMBEDLAB_API_KEY", "OPENAI_API_KEY")


@dataclass(frozen=True)
class ClientSettings:
    """How to talk to an endpoint.

    Attributes:
        timeout: seconds for connecting and for each read.
        retry: bounded retries on 429/503 and connection errors.
        api_key_env: the environment variable holding the API key (None: try
            :data:`DEFAULT_KEY_VARS`; no key found means no ``Authorization`` header).
        encoding: OpenAI ``encoding_format``: ``base64`` (default, exact and compact) or ``float``.
    """

    timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    api_key_env: str | None = None
    encoding: str = "base64"


def api_key(variable: str | None) -> str | None:
    """The API key from ``variable`` (which must be set), else from :data:`DEFAULT_KEY_VARS`."""
    if variable is not None:
        value = os.environ.get(variable)
        if not value:
            raise ConfigError(
                f"--api-key-env {variable}: that environment variable is not set or is empty"
            )
        return value
    return next((os.environ[v] for v in DEFAULT_KEY_VARS if os.environ.get(v)), None)


def auth_headers(settings: ClientSettings) -> dict[str, str]:
    """``{"Authorization": "Bearer …"}`` when a key is found, else ``{}``."""
    key = api_key(settings.api_key_env)
    return {"Authorization": f"Bearer {key}"} if key else {}


def require_httpx() -> Any:
    """The httpx module, or MissingDependencyError naming the ``serve`` extra."""
    try:
        import httpx
    except ImportError:
        raise MissingDependencyError("httpx", "serve", "the HTTP runtime") from None
    return httpx


class EndpointClient:
    """Requests to one endpoint (see the module docstring)."""

    def __init__(
        self,
        endpoint: Endpoint,
        settings: ClientSettings | None = None,
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        httpx = require_httpx()
        self.endpoint = endpoint
        self.settings = settings or ClientSettings()
        self._sleep = sleep
        self._rng = self.settings.retry.generator()
        self._http = httpx.Client(
            base_url=endpoint.url,
            headers=auth_headers(self.settings),
            timeout=self.settings.timeout,
            transport=transport,
        )
        self._errors = (httpx.TransportError,)

    def __repr__(self) -> str:
        return f"EndpointClient({self.endpoint.runtime})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def info(self) -> dict[str, Any]:
        """``GET /info`` as a dict (``{}`` when the endpoint has none: 404, not JSON)."""
        response = self._send("GET", "/info", None)
        if response.status_code != 200:
            return {}
        try:
            payload = response.json()
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}

    def embed(
        self,
        texts: Sequence[str],
        model: str,
        dimensions: int | None = None,
        expected_dim: int | None = None,
    ) -> NDArray[np.float32]:
        """Embeddings of ``texts`` (one request), ``(len(texts), D)`` float32, checked."""
        body = request_body(self.endpoint, texts, model, dimensions, self.settings.encoding)
        response = self._send("POST", EMBED_PATH[self.endpoint.api], body)
        if response.status_code != 200:
            raise self._status_error(response)
        try:
            payload = json.loads(response.content)
        except ValueError:
            raise BackendError(
                f"endpoint {self.endpoint.url} ({self.endpoint.api} API): response body is not "
                "JSON; is it an embeddings endpoint of that API?"
            ) from None
        return parse_vectors(self.endpoint, payload, len(texts), expected_dim)

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        """One request with bounded retries on 429/503 and connection errors."""
        policy, where = self.settings.retry, f"{self.endpoint.url}{path}"
        for attempt in range(1, policy.attempts + 1):
            retry_after = None
            try:
                response = self._http.request(method, path, json=body)
            except self._errors as exc:
                problem = f"{type(exc).__name__}"
            else:
                if response.status_code not in RETRY_STATUS:
                    return response
                problem = f"HTTP {response.status_code}"
                retry_after = response.headers.get("retry-after")
            if attempt == policy.attempts:
                raise BackendError(
                    f"endpoint {where}: {problem} on each of {policy.attempts} tries (retried "
                    "with backoff); is the server up and not overloaded? try again later or "
                    "with a smaller --batch-size"
                )
            self._sleep(policy.delay(attempt, retry_after, self._rng))
        raise AssertionError("unreachable")

    def _status_error(self, response: Any) -> BackendError:
        try:
            detail = error_detail(response.json())
        except ValueError:
            detail = ""
        said = f": {detail}" if detail else ""
        path = EMBED_PATH[self.endpoint.api]
        return BackendError(
            f"endpoint {self.endpoint.url}{path} answered HTTP {response.status_code}{said}"
        )
