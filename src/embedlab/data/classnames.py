"""Class names of a zero-shot classification dataset: ``<data-dir>/classnames.json``.

The file is optional. It holds either a JSON list with one name per class folder, in sorted
folder order (``["tench", "goldfish"]``), or a JSON object mapping every folder name to its class
name (``{"n01440764": "tench", "n01443537": "goldfish"}``). Without it a class is named after its
folder, with underscores read as spaces (``golden_retriever`` → ``golden retriever``). Names are
stripped of surrounding whitespace and must be distinct non-empty strings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embedlab.data._json_file import listing, read_json
from embedlab.errors import DataError

CLASSNAMES_FILE = "classnames.json"


def load_classnames(
    data_dir: Path, folders: tuple[str, ...], path: Path | None = None
) -> tuple[tuple[str, ...], str]:
    """Class names for ``folders`` (sorted folder names) and where they came from.

    Args:
        data_dir: the dataset folder; its ``classnames.json`` is used if present.
        folders: the class folder names, sorted.
        path: an explicit class-names file instead (it must exist).

    Returns:
        ``(names, source)``; source is the file path or ``"folder names"``.

    Raises:
        DataError: ``classnames.json`` is invalid JSON; a list whose length is not the number of
            folders; a mapping with unknown or missing folders; an empty / non-string name; or
            two classes with the same name. The message names the file and the folder.
    """
    if path is not None and not path.is_file():
        raise DataError(f"class-names file {str(path)!r} does not exist")
    path = path or data_dir / CLASSNAMES_FILE
    if not path.is_file():
        derived = tuple(folder.replace("_", " ") for folder in folders)
        _check_distinct(f"{data_dir} (names from folders, '_' read as ' ')", folders, derived)
        return derived, "folder names"
    content = read_json(path)
    if isinstance(content, list):
        if len(content) != len(folders):
            raise DataError(
                f"{path} lists {len(content)} class names but {data_dir} has {len(folders)} "
                f"class folders; give one name per folder in sorted folder order "
                f"({listing(folders)}), or a mapping folder → name"
            )
        names = content
    elif isinstance(content, dict):
        names = _from_mapping(path, content, folders)
    else:
        raise DataError(f"{path} must hold a JSON list of names or an object folder → name")
    for folder, name in zip(folders, names, strict=True):
        if not isinstance(name, str) or not name.strip():
            raise DataError(
                f"{path}: the name of class folder {folder!r} is {name!r}; "
                "every class name must be a non-empty string"
            )
    stripped = tuple(name.strip() for name in names)
    _check_distinct(str(path), folders, stripped)
    return stripped, str(path)


def _from_mapping(path: Path, mapping: dict[str, Any], folders: tuple[str, ...]) -> list[Any]:
    unknown = sorted(set(mapping) - set(folders))
    if unknown:
        raise DataError(
            f"{path} names folders that do not exist: {listing(unknown)}; "
            f"class folders are: {listing(folders)}"
        )
    missing = [f for f in folders if f not in mapping]
    if missing:
        raise DataError(
            f"{path} gives no name for class folders {listing(missing)}; "
            "a mapping must name every folder"
        )
    return [mapping[f] for f in folders]


def _check_distinct(where: str, folders: tuple[str, ...], names: tuple[str, ...]) -> None:
    first: dict[str, str] = {}
    for folder, name in zip(folders, names, strict=True):
        if name in first:
            raise DataError(
                f"{where}: class folders {first[name]!r} and {folder!r} get the same name "
                f"{name!r}; classes must have distinct names (write {CLASSNAMES_FILE})"
            )
        first[name] = folder
