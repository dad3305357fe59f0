"""Typed records of the compositional pair-choice datasets (Winoground, SugarCrepe, ARO, shapes).

Two shapes of item:

* :class:`PairExample` — Winoground style: two images and two captions, caption k belongs to
  image k (``winoground``, ``shapes-pairs``).
* :class:`ChoiceExample` — one image, its true caption and K alternative (false) captions
  (``sugarcrepe``: K = 1, ARO VG: K = 1, ARO order: K <= 4).

Images carry stable ids (items may share an image: SugarCrepe reuses COCO images across subsets),
so each distinct image is embedded once. Every set checks its ids at construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from embedlab.data.content import content_fingerprint, image_fields
from embedlab.errors import DataError


@dataclass(frozen=True)
class PairExample:
    """Two images and their two captions (caption k describes image k).

    Attributes:
        item_id: stable id of the item (Winoground's ``id``).
        image_ids: stable ids of image 0 and image 1.
        image_paths: their files.
        captions: caption 0 and caption 1.
        tag: the breakdown label (Winoground's ``collapsed_tag``; shapes: the kind of swap).
    """

    item_id: str
    image_ids: tuple[str, str]
    image_paths: tuple[Path, Path]
    captions: tuple[str, str]
    tag: str


@dataclass(frozen=True)
class ChoiceExample:
    """One image, its true caption and the alternatives it must beat.

    Attributes:
        item_id: stable id of the item.
        image_id: stable id of the image (shared by items that use the same image).
        image_path: the image file.
        true_caption: the caption that describes the image.
        alternatives: the false captions (at least one).
        group: the breakdown label (SugarCrepe subset, ARO relation or attribute pair).
        cluster: the independent resampling unit (the item itself, or its source image).
    """

    item_id: str
    image_id: str
    image_path: Path
    true_caption: str
    alternatives: tuple[str, ...]
    group: str
    cluster: str


@dataclass(frozen=True)
class PairSet:
    """The items of a Winoground-style dataset, with where they came from."""

    name: str
    split: str
    source: str
    examples: list[PairExample]
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_items(self.name, self.source, [e.item_id for e in self.examples])
        paths: dict[str, Path] = {}
        for e in self.examples:
            for image_id, path in zip(e.image_ids, e.image_paths, strict=True):
                _same_file(self.name, paths, image_id, path, e.item_id)

    @cached_property
    def fingerprint(self) -> str:
        """Content hash (:mod:`embedlab.data.content`) of every item id, image id with its
        file's bytes, caption and tag."""
        items = [
            f"{e.item_id}|{'|'.join(image_fields(e.image_ids, e.image_paths))}"
            f"|{'|'.join(e.captions)}|{e.tag}"
            for e in self.examples
        ]
        return content_fingerprint(["pairs", *items])


@dataclass(frozen=True)
class ChoiceSet:
    """The items of a true-vs-alternatives dataset, with where they came from."""

    name: str
    split: str
    source: str
    examples: list[ChoiceExample]
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_items(self.name, self.source, [e.item_id for e in self.examples])
        paths: dict[str, Path] = {}
        for e in self.examples:
            if not e.alternatives:
                raise DataError(
                    f"{self.name} ({self.source}): item {e.item_id!r} has no false caption"
                )
            _same_file(self.name, paths, e.image_id, e.image_path, e.item_id)

    @cached_property
    def fingerprint(self) -> str:
        """Content hash (:mod:`embedlab.data.content`) of every item id, image id with its
        file's bytes, true caption, alternatives, group and cluster."""
        items = [
            f"{e.item_id}|{image_fields([e.image_id], [e.image_path])[0]}|{e.true_caption}"
            f"|{'|'.join(e.alternatives)}|{e.group}|{e.cluster}"
            for e in self.examples
        ]
        return content_fingerprint(["choices", *items])


def _check_items(name: str, source: str, ids: list[str]) -> None:
    if not ids:
        raise DataError(f"{name} ({source}) has no items")
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise DataError(f"{name} ({source}): item id {item_id!r} appears twice")
        seen.add(item_id)


def _same_file(name: str, paths: dict[str, Path], image_id: str, path: Path, item: str) -> None:
    """Refuse one image id naming two different files (the embedding cache keys on ids)."""
    known = paths.setdefault(image_id, path)
    if known != path:
        raise DataError(
            f"{name}: item {item!r} gives image id {image_id!r} the file {str(path)!r}, "
            f"but another item gave it {str(known)!r}"
        )
