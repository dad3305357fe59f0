"""Can the Hugging Face Hub be reached? One quick probe before a library retries for a minute.

``huggingface_hub`` retries a refused or silent connection with back-off (five retries per file,
several files per dataset: 25–100 s of ``Retrying in 8s`` lines) before its own error. Callers
that are about to need the Hub ask :func:`hub_unreachable_reason` first and, on a reason, raise
their own one-line error naming what was needed and how to provide it offline.

The probe is one ``HEAD`` request to the endpoint (``HF_ENDPOINT``, default
``https://huggingface.co``) with a short timeout, through :mod:`urllib` so that ``HTTPS_PROXY`` /
``HTTP_PROXY`` / ``NO_PROXY`` apply as for the libraries. Any HTTP answer (even 4xx/5xx) and any
TLS failure count as reachable (the server answered; certificate set-up is the library's
business); a refused connection, an unknown host, an unreachable network or no answer within the
timeout do not. ``HF_HUB_OFFLINE`` (or another named offline variable) set to a true value is
a reason by itself, without touching the network. Results are remembered per endpoint for the
life of the process.
"""

from __future__ import annotations

import os
import socket
import ssl
import urllib.error
import urllib.request

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT_S = 3.0
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE",)
_TRUE = {"1", "true", "yes", "on"}
_probed: dict[str, str | None] = {}


def hub_endpoint() -> str:
    """The Hub endpoint the Hugging Face libraries use: ``$HF_ENDPOINT`` or the public Hub."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def offline_variable(names: tuple[str, ...] = OFFLINE_VARIABLES) -> str | None:
    """The first of ``names`` set to a true value (``1``/``true``/``yes``/``on``), or None."""
    for name in names:
        if os.environ.get(name, "").strip().lower() in _TRUE:
            return name
    return None


def hub_unreachable_reason(
    offline_variables: tuple[str, ...] = OFFLINE_VARIABLES, timeout: float = PROBE_TIMEOUT_S
) -> str | None:
    """Why the Hub cannot be used right now (one clause), or None when it answers.

    E.g. ``"HF_HUB_OFFLINE=1 is set"`` or ``"the Hub at http://127.0.0.1:9 cannot be reached
    (connection refused)"``. Costs at most ``timeout`` seconds, once per endpoint and process.
    """
    variable = offline_variable(offline_variables)
    if variable is not None:
        return f"{variable}={os.environ[variable]} is set (offline mode)"
    endpoint = hub_endpoint()
    if endpoint not in _probed:
        failure = _probe(endpoint, timeout)
        _probed[endpoint] = (
            None if failure is None else f"the Hub at {endpoint} cannot be reached ({failure})"
        )
    return _probed[endpoint]


def forget_probes() -> None:
    """Drop remembered probe results (for tests, or after the network came back)."""
    _probed.clear()


def _probe(endpoint: str, timeout: float) -> str | None:
    """None when ``endpoint`` answers at all; else a short description of the failure."""
    request = urllib.request.Request(endpoint + "/", method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None  # an HTTP status is an answer
    except urllib.error.URLError as exc:
        return _describe(exc.reason, timeout)
    except ValueError:
        return "HF_ENDPOINT is not a valid URL"
    except OSError as exc:
        return _describe(exc, timeout)


def _describe(reason: object, timeout: float) -> str | None:
    if isinstance(reason, ssl.SSLError):
        return None  # the server answered; TLS set-up is the library's business
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "host name not resolved"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    return str(reason) or type(reason).__name__
