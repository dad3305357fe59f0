"""``embedlab generate``: write a synthetic dataset to disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer


def _shapes(out: Path, size: int, seed: int, split: str) -> Path:
    from embedlab.data.shapes import generate_shapes

    return generate_shapes(out, n_images=size, seed=seed, split=split)


def _beir(out: Path, size: int, seed: int, split: str) -> Path:
    from embedlab.data.beir_synthetic import generate_beir_synthetic

    return generate_beir_synthetic(out, n_subjects=size, seed=seed, split=split)


GENERATORS: dict[str, tuple[Callable[[Path, int, int, str], Path], int]] = {
    "shapes": (_shapes, 200),
    "beir-synthetic": (_beir, 24),
}


def generate_command(
    kind: Annotated[str, typer.Argument(help="What to generate: shapes or beir-synthetic.")],
    out: Annotated[Path, typer.Option(help="Folder to write the dataset into.")],
    size: Annotated[
        int | None,
        typer.Option(help="shapes: number of images (200); beir-synthetic: subjects (24)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed (the same seed gives identical files).")] = 0,
    split: Annotated[str, typer.Option(help="Split name written into the files.")] = "test",
) -> None:
    """Generate a synthetic dataset for offline benchmarks and tests."""
    from embedlab.errors import UnknownNameError

    if kind not in GENERATORS:
        raise UnknownNameError("generator", kind, GENERATORS)
    generate, default_size = GENERATORS[kind]
    path = generate(out, default_size if size is None else size, seed, split)
    typer.echo(f"wrote {path}")
