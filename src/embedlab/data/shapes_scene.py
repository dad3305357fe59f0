"""Scenes of two coloured shapes in a spatial relation: sampling, captions and drawing.

A scene is "a <colour> <shape> <relation> a <colour> <shape>", e.g. "a red circle left of a blue
square". Scenes are sampled without repeating a configuration ("A left of B" and "B right of A"
count as the same), so no two images of a generated set share a description. All randomness comes
from the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (235, 200, 30),
    "purple": (140, 60, 180),
    "orange": (245, 130, 20),
}
SHAPES = ("circle", "square", "triangle", "diamond")
RELATIONS = ("left of", "right of", "above", "below")
INVERSE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
_ALT = {
    "left of": "to the left of",
    "right of": "to the right of",
    "above": "over",
    "below": "under",
}
BACKGROUND = (245, 245, 245)


@dataclass(frozen=True)
class Scene:
    """Object ``a`` stands in ``relation`` to object ``b``; objects are (colour, shape) pairs."""

    a: tuple[str, str]
    b: tuple[str, str]
    relation: str

    def to_json(self) -> dict[str, Any]:
        """Structured attributes stored in the dataset JSON (for swap-style pair tasks)."""
        objects = [{"color": c, "shape": s} for c, s in (self.a, self.b)]
        return {"objects": objects, "relation": self.relation}


def max_scenes() -> int:
    """How many distinct scenes exist (ordered distinct object pairs × 2 axes)."""
    n_objects = len(COLORS) * len(SHAPES)
    return n_objects * (n_objects - 1) * 2


def sample_scenes(rng: np.random.Generator, n: int) -> list[Scene]:
    """``n`` distinct scenes; each is stated in a random one of its two equivalent directions."""
    objects = list(product(COLORS, SHAPES))
    pairs = [(a, b) for a, b in product(objects, objects) if a != b]
    canonical = [(a, b, axis) for a, b in pairs for axis in ("left of", "above")]
    picks = rng.choice(len(canonical), size=n, replace=False)
    flips = rng.integers(0, 2, size=n)
    scenes = []
    for pick, flip in zip(picks, flips, strict=True):
        a, b, relation = canonical[int(pick)]
        scenes.append(Scene(b, a, INVERSE[relation]) if flip else Scene(a, b, relation))
    return scenes


def captions(scene: Scene, rng: np.random.Generator, n: int) -> list[str]:
    """``n`` paraphrases (at most 8): the plain statement first, then shuffled rephrasings."""
    a, b = _noun(scene.a), _noun(scene.b)
    rel, inv, alt = scene.relation, INVERSE[scene.relation], _ALT[scene.relation]
    first = f"{_article(a)} {a} {rel} {_article(b)} {b}"
    others = [
        f"{_article(a)} {a} is {rel} {_article(b)} {b}",
        f"{_article(b)} {b} {inv} {_article(a)} {a}",
        f"there is {_article(a)} {a} {alt} {_article(b)} {b}",
        f"{_article(b)} {b} is {inv} {_article(a)} {a}",
        f"the {a} is {rel} the {b}",
        f"a picture of {_article(a)} {a} {rel} {_article(b)} {b}",
        f"the {b} is {_ALT[inv]} the {a}",
    ]
    order = rng.permutation(len(others))
    return [first] + [others[int(i)] for i in order[: n - 1]]


def draw(scene: Scene, rng: np.random.Generator, size: int) -> Image.Image:
    """Render ``scene`` on a plain background: ``a`` and ``b`` on either side of the axis."""
    image = Image.new("RGB", (size, size), BACKGROUND)
    canvas = ImageDraw.Draw(image)
    first, second = _positions(scene.relation, rng)
    for (color, shape), (along, across) in ((scene.a, first), (scene.b, second)):
        radius = size * float(rng.uniform(0.12, 0.18))
        horizontal = scene.relation in ("left of", "right of")
        x, y = (along, across) if horizontal else (across, along)
        _shape(canvas, shape, (x * size, y * size), radius, COLORS[color])
    return image


def _positions(relation: str, rng: np.random.Generator) -> tuple[tuple[float, float], ...]:
    """(along-axis, across-axis) centres as fractions; ``a`` comes first along the axis."""
    near = (float(rng.uniform(0.2, 0.3)), float(rng.uniform(0.25, 0.75)))
    far = (float(rng.uniform(0.7, 0.8)), float(rng.uniform(0.25, 0.75)))
    return (near, far) if relation in ("left of", "above") else (far, near)


def _shape(
    canvas: ImageDraw.ImageDraw,
    shape: str,
    c: tuple[float, float],
    r: float,
    fill: tuple[int, int, int],
) -> None:
    x, y = c
    if shape == "circle":
        canvas.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    elif shape == "square":
        canvas.rectangle((x - r, y - r, x + r, y + r), fill=fill)
    elif shape == "triangle":
        canvas.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=fill)
    else:  # diamond
        canvas.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=fill)


def _noun(obj: tuple[str, str]) -> str:
    return f"{obj[0]} {obj[1]}"


def _article(phrase: str) -> str:
    return "an" if phrase[0] in "aeiou" else "a"
