"""A deployed embedding service as a runtime name: ``API+URL``, e.g. ``tei+http://host:8080``.

Users write ``--runtime http://host:8080 --api tei``; :func:`endpoint_runtime` joins the two into
the one runtime string the rest of embedlab carries (``ModelSpec.runtime``, metric and speed
rows, cache and part keys), so embeddings of an endpoint are never mixed with local ones, nor
with another endpoint's, nor with the same endpoint spoken to through the other API. That
string can also be given as ``--runtime`` directly.

APIs (:data:`APIS`): ``openai`` (``POST /v1/embeddings``) and ``tei`` (Hugging Face
text-embeddings-inference, ``POST /embed``). Both carry text only.

Nothing here imports httpx: it is parsed by configs and the CLI.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from embedlab.errors import ConfigError

#: The wire APIs an endpoint may speak, with what they carry.
APIS = {"openai": "OpenAI embeddings API (POST /v1/embeddings)", "tei": "TEI API (POST /embed)"}
#: The registry name every endpoint runtime resolves to.
HTTP_RUNTIME = "http"


@dataclass(frozen=True)
class Endpoint:
    """An endpoint: which API, at which base URL (no trailing slash, no credentials)."""

    api: str
    url: str

    @property
    def runtime(self) -> str:
        """The runtime string ``API+URL``."""
        return f"{self.api}+{self.url}"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def looks_like_url(text: str) -> bool:
    """Whether ``text`` is an ``http(s)://`` URL (with or without an ``API+`` prefix)."""
    tail = text.partition("+")[2] if "+" in text.partition("://")[0] else text
    return tail.startswith(("http://", "https://"))


def parse_endpoint(runtime: str) -> Endpoint | None:
    """The endpoint ``runtime`` names (``API+URL``), or None for a local runtime name.

    Raises:
        ConfigError: a URL without an API, an unknown API, credentials or a query in the URL.
    """
    if not looks_like_url(runtime):
        return None
    api, plus, url = runtime.partition("+")
    if not plus or "://" in api:
        raise ConfigError(
            f"--runtime {runtime}: say which API the endpoint speaks with --api "
            f"({' or '.join(APIS)})"
        )
    return Endpoint(check_api(api), check_url(url))


def endpoint_runtime(runtime: str, api: str | None) -> str:
    """The runtime string for ``--runtime`` and ``--api`` (``API+URL`` for an endpoint).

    Raises:
        ConfigError: ``--api`` without a URL runtime, or a URL runtime without ``--api``.
    """
    if not looks_like_url(runtime):
        if api is not None:
            raise ConfigError(
                f"--api {api} applies to an endpoint runtime (--runtime http://HOST:PORT); "
                f"--runtime {runtime} runs locally"
            )
        return runtime
    if api is not None:
        if "+" in runtime.partition("://")[0]:
            raise ConfigError(f"--runtime {runtime} already names its API; drop --api {api}")
        runtime = f"{check_api(api)}+{runtime}"
    endpoint = parse_endpoint(runtime)
    assert endpoint is not None
    return endpoint.runtime


def check_api(api: str) -> str:
    """``api`` if it is one of :data:`APIS`, else ConfigError naming the valid ones."""
    if api not in APIS:
        raise ConfigError(f"--api {api!r} is not supported; choose one of {', '.join(APIS)}")
    return api


def check_url(url: str) -> str:
    """``url`` without its trailing slash; refuses credentials, a query or a fragment."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--runtime {url!r} is not an http(s)://HOST[:PORT] URL")
    if parts.username or parts.password:
        raise ConfigError(
            "--runtime: the URL must not hold credentials (they would be written into the "
            "results); put the API key in the environment variable named by --api-key-env"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"--runtime {url!r}: give the base URL without '?' or '#'")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        raise ConfigError(f"--runtime {url!r}: {exc}") from None
    return url.rstrip("/")


def text_only(runtime: str) -> ConfigError:
    """The error for image embeddings asked of the endpoint ``runtime`` names (``API+URL``)."""
    api = runtime.partition("+")[0]
    return ConfigError(
        f"--runtime {runtime}: the {api} API carries text only, so image tasks cannot run "
        "through it; run image tasks on a local runtime (torch, onnxruntime, openvino)"
    )
