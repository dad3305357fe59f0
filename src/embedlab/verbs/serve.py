"""``serve``: a reference embedding server over any embedlab model (``embedlab serve``).

It exposes the OpenAI and TEI routes (:mod:`embedlab.verbs._serve_app`) so that a model can be
measured "as deployed" on this machine, compared with TEI or another server, and so the HTTP
runtime is tested against a real server. Bound to ``127.0.0.1`` by default; any other host is
allowed with a warning (the server has no TLS; an API key, if set, travels in clear).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.errors import ConfigError, MissingDependencyError
from embedlab.models.registry import get_source, parse_model
from embedlab.runtimes import RuntimeOptions, load_encoder
from embedlab.runtimes.endpoint import is_loopback, parse_endpoint
from embedlab.verbs._serve_app import Served, ServeLimits, build_app

Notify = Callable[[str], None]


@dataclass(frozen=True)
class ServeConfig:
    """Settings of ``embedlab serve`` (see ``embedlab serve --help``)."""

    model: str
    host: str = "127.0.0.1"
    port: int = 8080
    runtime: str = "torch"
    precision: str = "fp32"
    device: str = "cpu"
    batch_size: int = 32
    limits: ServeLimits = field(default_factory=ServeLimits)
    api_key_env: str | None = None
    cache_dir: Path | None = None


def prepare(config: ServeConfig) -> Served:
    """Load the model and probe its dimension: what the app serves.

    Raises:
        ConfigError: an endpoint as ``--runtime``, a missing ``--api-key-env`` variable,
            bad limits, a model that does not embed text.
    """
    if parse_endpoint(config.runtime) is not None:
        raise ConfigError("embedlab serve: --runtime must be a local runtime, not an endpoint")
    if min(config.limits.max_batch, config.limits.max_body_bytes, config.limits.max_chars) < 1:
        raise ConfigError("embedlab serve: --max-batch and the size limits must be at least 1")
    key = None
    if config.api_key_env is not None:
        key = os.environ.get(config.api_key_env)
        if not key:
            raise ConfigError(f"--api-key-env {config.api_key_env}: that variable is not set")
    spec = parse_model(
        config.model,
        precision=config.precision,
        device=config.device,
        batch_size=config.batch_size,
        runtime=config.runtime,
    )
    encoder = load_encoder(spec, RuntimeOptions(cache_dir=config.cache_dir))
    probe = encoder.encode_texts(["dimension probe"], role="query")
    if probe.ndim != 2 or probe.shape[0] != 1:
        raise ConfigError(f"model {spec.name!r} does not give one text embedding per text")
    fingerprint = get_source(spec).fingerprint(spec)
    return Served(encoder, fingerprint, int(probe.shape[1]), config.limits, key)


def serve(config: ServeConfig, notify: Notify | None = None) -> None:
    """Load the model and serve it until interrupted (uvicorn; blocks)."""
    say = notify or (lambda message: None)
    uvicorn = _require("uvicorn")
    _require("fastapi")
    if not is_loopback(config.host):
        warnings.warn(
            f"embedlab serve: binding to {config.host} makes the server reachable from other "
            "machines; it has no TLS and is meant for local comparison (default 127.0.0.1)",
            UserWarning,
            stacklevel=2,
        )
    served = prepare(config)
    say(
        f"serving {served.encoder.spec.name} (dim {served.dim}) on http://{config.host}:"
        f"{config.port}: POST /v1/embeddings (OpenAI), POST /embed (TEI), GET /info, /health"
    )
    uvicorn.run(build_app(served), host=config.host, port=config.port, log_level="warning")


def _require(package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise MissingDependencyError(package, "serve", "embedlab serve") from None
