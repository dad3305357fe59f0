"""Connecting to Ray (the ``ray`` extra): import on demand, fail fast on a dead address.

Ray is imported only here and only when an executor or search asks for it; without it,
:class:`~embedlab.errors.MissingDependencyError` names the ``ray`` extra. An address is probed
with one TCP connection (:data:`PROBE_TIMEOUT_S`) before ``ray.init``, which would otherwise
retry a dead address for a minute or more. A Ray already initialised in this process (a
notebook, a test session, a ``ray job``) is used as it is. When this module starts Ray, Ray Data
is made quiet (no progress bars of its own, no plan logging): embedlab draws its own bar.
"""

from __future__ import annotations

import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from embedlab.errors import ConfigError, MissingDependencyError

#: Seconds one TCP connection to ``--ray-address`` may take before it is declared dead.
PROBE_TIMEOUT_S = 3.0
#: Ports Ray listens on by default: the client server (``ray://``) and the GCS.
CLIENT_PORT = 10001
GCS_PORT = 6379


def import_ray(purpose: str) -> Any:
    """The ``ray`` module, or MissingDependencyError naming the ``ray`` extra."""
    try:
        import ray
        import ray.data  # (the executor needs Ray Data, which needs pyarrow)
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "ray", "ray", purpose) from None
    return ray


def address_endpoint(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``ray://HOST[:PORT]`` or ``HOST:PORT``; None for ``auto``/``local``.

    Raises:
        ConfigError: an address of neither form.
    """
    if address in ("auto", "local"):
        return None
    text = address if "://" in address else f"gcs://{address}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("ray", "gcs") or not parts.hostname:
        raise ConfigError(
            f"--ray-address {address!r} is not a Ray address; give ray://HOST:10001 (Ray "
            "Client), HOST:6379 (the head's GCS), or auto (a cluster started on this machine)"
        )
    default = CLIENT_PORT if parts.scheme == "ray" else GCS_PORT
    return parts.hostname, port or default


def probe(address: str, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Raise ConfigError (one line) unless something accepts a TCP connection at ``address``."""
    endpoint = address_endpoint(address)
    if endpoint is None:
        return
    host, port = endpoint
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    raise ConfigError(
        f"--ray-address {address}: nothing answers at {host}:{port} ({reason}, waited "
        f"{timeout_s:g} s); start the cluster (ray start --head) or correct the address"
    )


def connect(address: str | None) -> Any:
    """The ``ray`` module, initialised: the running session, or one joined/started now.

    ``address`` None starts a local Ray on this machine's CPUs; otherwise it is probed first.

    Raises:
        ConfigError: the address is dead or Ray refuses to connect to it.
        MissingDependencyError: Ray is not installed.
    """
    if address is not None:
        address_endpoint(address)  # a malformed address is refused before importing Ray
    ray = import_ray("the Ray executor (--executor ray)")
    if ray.is_initialized():
        return ray
    if address is not None:
        probe(address)
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            logging_level=logging.ERROR,
            log_to_driver=False,
            configure_logging=True,
        )
    except Exception as exc:  # Ray raises bare Exception too (e.g. a start-up timeout)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = "a local Ray" if address is None else f"--ray-address {address}"
        raise ConfigError(f"could not start or join {where}: {first}") from None
    quiet_data()
    return ray


def quiet_data() -> None:
    """Ray Data without its own progress bars, plan lines and statistics logs."""
    import warnings

    from ray.data import DataContext

    with warnings.catch_warnings():  # Ray's own deprecated settings, warned about on first use
        warnings.simplefilter("ignore", DeprecationWarning)
        context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)


def root_cause(exc: BaseException) -> str:
    """``"Type: message"`` of the innermost non-Ray exception behind a Ray error (one line).

    Ray wraps a worker's exception (``RayTaskError.cause``, ``ActorDiedError`` holding the
    creation task's error in ``args``); when no original exception is reachable, the last
    ``Name: message`` line of the error's text is used.
    """
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        module = type(current).__module__
        if not module.startswith("ray"):
            return f"{type(current).__name__}: {_first_line(current)}"
        inner = [getattr(current, "cause", None), current.__cause__]
        inner += [a for a in current.args if isinstance(a, BaseException)]
        stack.extend(e for e in inner if isinstance(e, BaseException))
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    named = [line for line in lines if line.split(":", 1)[0].endswith(("Error", "Exception"))]
    return (named or lines or [type(exc).__name__])[-1][:300]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"
