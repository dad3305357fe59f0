"""Runtime ``http``: the model's embeddings come from a deployed endpoint (OpenAI or TEI API).

Selected by a runtime string ``API+URL`` (:mod:`embedlab.runtimes.endpoint`; users write
``--runtime http://host:8080 --api tei``). Nothing is loaded locally: ``GET /info`` (TEI and
``embedlab serve`` have it; other OpenAI-compatible servers may not) gives the served model id,
revision, dtype and maximum batch, which go into :attr:`HttpEncoder.runtime_info` settings and,
through :func:`endpoint_identity`, into every cache key. Batches are ``min(--batch-size,
max_client_batch_size)``.

What is sent: the texts as the task gives them. The OpenAI ``model`` field is the model
reference without its source prefix and options (``st:BAAI/bge-m3`` → ``BAAI/bge-m3``).
``?dim=N``: OpenAI ``dimensions=N`` (the server truncates); TEI has no such field, so the first
N values are kept and renormalised here. Query/document prompts are the server's business
(TEI: ``--default-prompt-name``); prompt, pooling and max_length options are refused, since
they cannot be applied to a served model. Precision is the server's (recorded from ``/info``);
``--precision`` other than fp32 is refused.

Both APIs carry text only: image embedding is refused before any request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError
from embedlab.models._ref_options import parse_ref
from embedlab.models.base import Encoder, ModelSpec, Role
from embedlab.models.matryoshka import MatryoshkaEncoder
from embedlab.runtimes.base import RUNTIMES, RuntimeInfo, RuntimeOptions
from embedlab.runtimes.endpoint import HTTP_RUNTIME, Endpoint, parse_endpoint, text_only
from embedlab.runtimes.http_client import ClientSettings, EndpointClient

if TYPE_CHECKING:
    from PIL import Image

_OPTIONS = frozenset({"dim", "query_prompt", "document_prompt", "pooling", "max_length"})
#: ``/info`` fields recorded in the results (TEI's names; ``embedlab serve`` uses the same).
INFO_FIELDS = (
    "model_id", "model_sha", "model_dtype", "model_type", "max_client_batch_size",
    "max_input_length", "version", "sha", "dim", "embedlab_version", "model_fingerprint",
)  # fmt: skip


class HttpEncoder:
    """An :class:`~embedlab.models.base.Encoder` whose forward pass is an HTTP request."""

    def __init__(self, spec: ModelSpec, client: EndpointClient, info: dict[str, Any]) -> None:
        self.spec = spec
        self.client = client
        self.endpoint = client.endpoint
        self.info = info
        self.model_name, self.dim = wire_model(spec)
        served_dim = info.get("dim")
        self.expected_dim: int | None = (
            self.dim if self.dim is not None and self.endpoint.api == "openai"
            else served_dim if isinstance(served_dim, int) else None
        )  # fmt: skip
        limit = info.get("max_client_batch_size")
        self.max_batch = limit if isinstance(limit, int) and limit > 0 else spec.batch_size

    @property
    def runtime_info(self) -> RuntimeInfo:
        """The endpoint, its API and what its ``/info`` said."""
        settings = {"api": self.endpoint.api, "url": self.endpoint.url}
        settings.update(info_settings(self.info))
        return RuntimeInfo(HTTP_RUNTIME, self.spec.precision, "remote", None, settings)

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> NDArray[np.float32]:
        """One or more requests of at most ``max_batch`` texts; checked, in order."""
        size = max(1, min(self.spec.batch_size, self.max_batch))
        dimensions = self.dim if self.endpoint.api == "openai" else None
        parts = []
        for start in range(0, len(texts), size):
            batch = texts[start : start + size]
            vectors = self.client.embed(batch, self.model_name, dimensions, self.expected_dim)
            self.expected_dim = self.expected_dim or int(vectors.shape[1])
            parts.append(vectors)
        if not parts:
            return np.zeros((0, self.expected_dim or 0), np.float32)
        return np.concatenate(parts, axis=0)

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]:
        """Refused: both APIs carry text only."""
        raise text_only(self.endpoint.runtime)


def wire_model(spec: ModelSpec) -> tuple[str, int | None]:
    """The model name sent to the endpoint and the ``?dim=`` of ``spec`` (or None).

    Raises:
        ConfigError: prompt, pooling or max_length options (the server applies its own).
    """
    ref = parse_ref(spec.ref, spec.name, _OPTIONS)
    local = sorted(set(ref.options) - {"dim"})
    if local:
        raise ConfigError(
            f"model {spec.name!r}: option {local[0]!r} cannot be applied to a served model "
            f"(--runtime {spec.runtime}); configure it on the server"
        )
    return ref.base, ref.integer("dim", spec.name)


def open_client(spec: ModelSpec, options: RuntimeOptions) -> EndpointClient:
    """A client of the endpoint ``spec.runtime`` names."""
    endpoint = parse_endpoint(spec.runtime)
    if endpoint is None:
        raise ConfigError(f"--runtime {spec.runtime} is not an endpoint (API+http://HOST:PORT)")
    settings = ClientSettings(api_key_env=options.api_key_env)
    return EndpointClient(endpoint, settings)


def endpoint_identity(info: dict[str, Any], endpoint: Endpoint, model: str) -> str:
    """What the endpoint serves, for cache keys: ``/info`` model id and revision, else the URL
    and the requested model name (the API and URL are in the runtime string already)."""
    served = info.get("model_id")
    if served:
        revision = info.get("model_sha") or info.get("model_fingerprint") or ""
        dtype = info.get("model_dtype") or ""
        return f"served:{served}@{revision}:{dtype}"
    return f"requested:{model}@{endpoint.url}"


@RUNTIMES.register(HTTP_RUNTIME)
def http_runtime(spec: ModelSpec, options: RuntimeOptions) -> Encoder:
    """An :class:`HttpEncoder` of the endpoint (``?dim=`` on TEI: truncated here)."""
    if spec.precision != "fp32":
        raise ConfigError(
            f"--precision {spec.precision}: an endpoint runs in its own dtype (recorded from "
            f"/info); leave --precision at fp32 with --runtime {spec.runtime}"
        )
    client = open_client(spec, options)
    encoder = HttpEncoder(spec, client, client.info())
    if encoder.dim is not None and encoder.endpoint.api == "tei":
        return MatryoshkaEncoder(spec=spec, inner=encoder, dim=encoder.dim)
    return encoder


def info_settings(info: dict[str, Any]) -> dict[str, str]:
    """The recorded ``/info`` fields as ``info.<field>`` strings (absent and null ones left out)."""
    return {f"info.{k}": str(info[k]) for k in INFO_FIELDS if info.get(k) is not None}


def served_details(spec: ModelSpec, options: RuntimeOptions) -> dict[str, str]:
    """What the endpoint ``spec.runtime`` names serves (asks ``/info``): ``identity``
    (:func:`endpoint_identity`, for cache keys), ``api``, ``url`` and the ``/info`` fields."""
    client = open_client(spec, options)
    try:
        info = client.info()
    finally:
        client.close()
    endpoint = client.endpoint
    identity = endpoint_identity(info, endpoint, wire_model(spec)[0])
    return {"identity": identity, "api": endpoint.api, "url": endpoint.url, **info_settings(info)}
