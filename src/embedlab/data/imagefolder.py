"""A folder-per-class image dataset for zero-shot classification.

Layout of ``--data-dir``::

    <data-dir>/<class folder>/<image files>      (sub-folders of a class folder are searched too)
    <data-dir>/classnames.json                   optional, see embedlab.data.classnames
    <data-dir>/templates.json                    optional, see embedlab.data.templates

Class folders are the sub-directories of ``data-dir`` whose name does not start with a dot, in
sorted (code point) order; class ``k`` is the ``k``-th folder. Images are the files with one of
:data:`IMAGE_EXTENSIONS` (case-insensitive), hidden files skipped, sorted by their path relative
to ``data-dir``; an image's id is that relative POSIX path (``cat/0001.jpg``). Images are not
opened here: the engine's image loader raises a :class:`DataError` naming any unreadable file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.data.classnames import load_classnames
from embedlab.data.content import content_fingerprint, image_fields
from embedlab.data.duplicates import warn_shared_image_files
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.data.templates import fill_template, load_templates
from embedlab.errors import ConfigError, DataError

NAME = "imagefolder"
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)
_LAYOUT = "expected layout: <data-dir>/<class folder>/<image files>"


@dataclass(frozen=True)
class ImageFolderDataset:
    """Labelled images, their classes and the prompt templates to name the classes with.

    Attributes:
        name: dataset name (``imagefolder``).
        split: split label recorded in results (the folder itself has no splits).
        source: the data directory.
        folders: class folder names, sorted; class ``k`` is ``folders[k]``.
        classnames: the name put into the templates for each class.
        templates: prompt templates with a ``{c}`` / ``{}`` placeholder.
        image_ids: relative POSIX path of each image, unique, sorted.
        image_paths: the image files, same order.
        labels: class index of each image, shape ``(n_images,)``.
        meta: provenance, e.g. ``{"classnames": "folder names", "templates": "built-in 'photo'"}``.
    """

    name: str
    split: str
    source: str
    folders: tuple[str, ...]
    classnames: tuple[str, ...]
    templates: tuple[str, ...]
    image_ids: list[str]
    image_paths: list[Path]
    labels: NDArray[np.int64]
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, n_classes = len(self.image_ids), len(self.folders)
        if len(self.classnames) != n_classes:
            raise DataError(f"{self.source}: {len(self.classnames)} names for {n_classes} classes")
        if len(self.image_paths) != n or len(self.labels) != n:
            raise DataError(f"{self.source}: image ids, paths and labels differ in length")
        if n_classes < 2:
            raise DataError(
                f"{self.source} has {n_classes} class folder(s) "
                f"({', '.join(map(repr, self.folders)) or 'none'}); zero-shot classification "
                f"needs at least 2; {_LAYOUT}"
            )
        if not self.templates:
            raise DataError(f"{self.source}: no prompt templates")
        if n and (self.labels.min() < 0 or self.labels.max() >= n_classes):
            raise DataError(f"{self.source}: an image label is not a class index")
        empty = np.flatnonzero(np.bincount(self.labels, minlength=n_classes) == 0)
        if empty.size:
            raise DataError(f"{self.source}: class {self.folders[empty[0]]!r} has no images")
        warn_shared_image_files(self.name, self.source, self.image_ids, self.image_paths)

    @property
    def n_images(self) -> int:
        return len(self.image_ids)

    @property
    def n_classes(self) -> int:
        return len(self.folders)

    @property
    def prompt_ids(self) -> list[str]:
        """Id of each prompt, class-major: ``<folder>#<template index>``."""
        return [f"{f}#{t}" for f in self.folders for t in range(len(self.templates))]

    @property
    def prompts(self) -> list[str]:
        """Every template filled with every class name, class-major (``C * T`` texts)."""
        return [fill_template(t, c) for c in self.classnames for t in self.templates]

    @cached_property
    def fingerprint(self) -> str:
        """Content hash (:mod:`embedlab.data.content`) of image ids with their files' bytes and
        labels, the class names and the templates."""
        images = image_fields(self.image_ids, self.image_paths)
        labelled = [f"{i}>{self.folders[k]}" for i, k in zip(images, self.labels, strict=True)]
        names = [f"{f}={c}" for f, c in zip(self.folders, self.classnames, strict=True)]
        return content_fingerprint(["class-folder", *labelled, "|", *names, "|", *self.templates])


def load_imagefolder(
    data_dir: Path,
    split: str = "test",
    *,
    classnames_file: Path | None = None,
    templates_file: Path | None = None,
) -> ImageFolderDataset:
    """Scan ``data_dir`` (see the module docstring) and read its class names and templates.

    Args:
        data_dir: the folder of class folders.
        split: split label to record (the folder has no splits).
        classnames_file: use this file instead of ``<data_dir>/classnames.json``.
        templates_file: use this file instead of ``<data_dir>/templates.json``.

    Raises:
        DataError: ``data_dir`` is not a directory, has fewer than 2 class folders, a class
            folder holds no image file (named), or the class-name / template files are invalid.
    """
    if not data_dir.is_dir():
        raise DataError(f"--data-dir {str(data_dir)!r} is not a directory; {_LAYOUT}")
    folders = tuple(sorted(p.name for p in data_dir.iterdir() if _is_class_dir(p)))
    ids: list[str] = []
    labels: list[int] = []
    for index, folder in enumerate(folders):
        found = _images_in(data_dir, folder)
        ids.extend(found)
        labels.extend([index] * len(found))
    classnames, names_source = load_classnames(data_dir, folders, classnames_file)
    templates, templates_source = load_templates(data_dir, templates_file)
    return ImageFolderDataset(
        name=NAME,
        split=split,
        source=str(data_dir),
        folders=folders,
        classnames=classnames,
        templates=templates,
        image_ids=ids,
        image_paths=[data_dir / i for i in ids],
        labels=np.asarray(labels, dtype=np.int64),
        meta={"classnames": names_source, "templates": templates_source},
    )


def _is_class_dir(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith(".")


def _images_in(data_dir: Path, folder: str) -> list[str]:
    """Relative POSIX paths of the image files under ``data_dir / folder``, sorted."""
    found = []
    for path in (data_dir / folder).rglob("*"):
        relative = path.relative_to(data_dir)
        hidden = any(part.startswith(".") for part in relative.parts)
        if not hidden and path.suffix.lower() in IMAGE_EXTENSIONS and path.is_file():
            found.append(relative.as_posix())
    if not found:
        raise DataError(
            f"class folder {str(data_dir / folder)!r} has no image files "
            f"(looked for {', '.join(sorted(IMAGE_EXTENSIONS))}); add images or remove the folder"
        )
    return sorted(found)


@register_dataset(NAME, "class-folder", "one sub-folder of images per class (--data-dir)")
def _load_registered(request: DatasetRequest) -> ImageFolderDataset:
    if request.data_dir is None:
        raise ConfigError(
            "task zeroshot needs --data-dir: a folder with one sub-folder of images per class "
            "(<data-dir>/<class>/<image files>)"
        )
    return load_imagefolder(
        request.data_dir,
        request.split,
        classnames_file=request.options.get("classnames"),
        templates_file=request.options.get("templates"),
    )
