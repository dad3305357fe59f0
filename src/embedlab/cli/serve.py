"""``embedlab serve``: serve one model over the OpenAI and TEI embedding APIs (docs/http.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve_command(
    model: Annotated[
        str,
        typer.Argument(
            metavar="MODEL", help="A preset name or SOURCE:REF, e.g. st:all-MiniLM-L6-v2."
        ),
    ],
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    host: Annotated[
        str, typer.Option(help="Address to bind (default loopback; others warn).")
    ] = "127.0.0.1",
    runtime: Annotated[
        str, typer.Option(help="What runs the model: torch, onnxruntime, openvino.")
    ] = "torch",
    precision: Annotated[
        str, typer.Option(help="fp32 | bf16 | fp16 | int8 (per runtime).")
    ] = "fp32",
    batch_size: Annotated[int, typer.Option(help="Items per forward pass.")] = 32,
    max_batch: Annotated[
        int, typer.Option(help="Most inputs per request (max_client_batch_size in /info).")
    ] = 64,
    max_body_mb: Annotated[float, typer.Option(help="Largest request body, MiB.")] = 4.0,
    api_key_env: Annotated[
        str | None,
        typer.Option(help="Require 'Authorization: Bearer KEY', KEY read from this variable."),
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache of exports (default: ~/.cache/embedlab).")
    ] = None,
) -> None:
    """Serve MODEL: POST /v1/embeddings (OpenAI), POST /embed (TEI), GET /info, GET /health.

    A reference server for local comparison with TEI or other deployments, and for
    'embedlab run/speed --runtime http://HOST:PORT --api openai|tei'. Ctrl-C stops it.
    """
    from embedlab.verbs._serve_app import ServeLimits
    from embedlab.verbs.serve import ServeConfig, serve

    limits = ServeLimits(max_body_bytes=int(max_body_mb * 1024 * 1024), max_batch=max_batch)
    config = ServeConfig(
        model=model,
        host=host,
        port=port,
        runtime=runtime,
        precision=precision,
        batch_size=batch_size,
        limits=limits,
        api_key_env=api_key_env,
        cache_dir=cache_dir,
    )
    serve(config, notify=lambda message: typer.echo(message, err=True))
