"""``embedlab generate``: write a synthetic dataset to disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def generate_command(
    kind: Annotated[str, typer.Argument(help="What to generate: shapes.")],
    out: Annotated[Path, typer.Option(help="Folder to write the dataset into.")],
    n_images: Annotated[int, typer.Option(help="Number of images.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed (the same seed gives identical files).")] = 0,
    split: Annotated[str, typer.Option(help="Split name written into the annotation file.")] = "test",
) -> None:
    """Generate a synthetic dataset (Karpathy layout) for offline benchmarks and tests."""
    from embedlab.errors import UnknownNameError

    if kind != "shapes":
        raise UnknownNameError("generator", kind, ["shapes"])
    from embedlab.data.shapes import generate_shapes

    path = generate_shapes(out, n_images=n_images, seed=seed, split=split)
    typer.echo(f"wrote {path}")
