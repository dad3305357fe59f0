"""``embedlab generate``: write a synthetic dataset to disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NamedTuple

import typer


def _shapes(out: Path, size: int, seed: int, split: str) -> Path:
    from embedlab.data.shapes import generate_shapes

    return generate_shapes(out, n_images=size, seed=seed, split=split)


def _beir(out: Path, size: int, seed: int, split: str) -> Path:
    from embedlab.data.beir_synthetic import generate_beir_synthetic

    return generate_beir_synthetic(out, n_subjects=size, seed=seed, split=split)


def _docpages(out: Path, size: int, seed: int, split: str) -> Path:
    from embedlab.data.docpages import generate_docpages

    return generate_docpages(out, n_pages=size, seed=seed, split=split)


def _shapes_sizes() -> tuple[int, int]:
    from embedlab.data.shapes_scene import max_scenes

    return 1, max_scenes()


def _beir_sizes() -> tuple[int, int]:
    from embedlab.data.beir_synthetic import SUBJECTS

    return 2, len(SUBJECTS)


def _docpages_sizes() -> tuple[int, int]:
    from embedlab.data.docpages import MAX_PAGES

    return 2, MAX_PAGES


class Generator(NamedTuple):
    """A generator, its default ``--size`` and the range of sizes it can make."""

    generate: Callable[[Path, int, int, str], Path]
    default_size: int
    sizes: Callable[[], tuple[int, int]]


GENERATORS: dict[str, Generator] = {
    "shapes": Generator(_shapes, 200, _shapes_sizes),
    "beir-synthetic": Generator(_beir, 24, _beir_sizes),
    "docpages": Generator(_docpages, 24, _docpages_sizes),
}


def generate_command(
    kind: Annotated[
        str, typer.Argument(help="What to generate: shapes, beir-synthetic or docpages.")
    ],
    out: Annotated[Path, typer.Option(help="Folder to write the dataset into.")],
    size: Annotated[
        int | None,
        typer.Option(
            help="shapes: number of images (200); beir-synthetic: subjects (24); "
            "docpages: pages (24)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed (the same seed gives identical files).")] = 0,
    split: Annotated[str, typer.Option(help="Split name written into the files.")] = "test",
) -> None:
    """Generate a synthetic dataset for offline benchmarks and tests."""
    from embedlab.errors import ConfigError, UnknownNameError

    if kind not in GENERATORS:
        raise UnknownNameError("generator", kind, GENERATORS)
    generator = GENERATORS[kind]
    if size is not None:
        low, high = generator.sizes()
        if not low <= size <= high:
            bound = f"at least {low}" if size < low else f"at most {high}"
            raise ConfigError(f"--size must be {bound} for {kind} (got {size})")
    if seed < 0:
        raise ConfigError(f"--seed must be at least 0 (got {seed})")
    path = generator.generate(out, generator.default_size if size is None else size, seed, split)
    typer.echo(f"wrote {path}")
