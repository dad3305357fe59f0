"""Prompt templates of a zero-shot classification dataset: ``<data-dir>/templates.json``.

The file is optional. It holds a JSON list of templates, each with the placeholder ``{c}`` (or
``{}``) where the class name goes, e.g. ``["a photo of a {c}.", "a drawing of a {c}."]``, or a
JSON string naming a built-in set of :data:`TEMPLATE_SETS`. Without it the set ``"photo"`` is
used. Templates are filled by plain substitution (not ``str.format``), so class names may hold
any characters; any brace other than the placeholder is refused as a likely typo.

Why the default is the single template ``"a photo of a {c}."``: it is the CLIP paper's baseline
prompt (Radford et al. 2021, sec. 3.1.4), domain-neutral, one text per class, and the number
most zero-shot tables start from. The 7-template ensemble recommended by CLIP's ImageNet
notebook (built-in ``"clip-imagenet-7"``) was chosen by forward selection over 80 templates *on
ImageNet* and holds ImageNet-specific styles (origami, video game), so it is offered, not imposed.
"""

from __future__ import annotations

import re
from pathlib import Path

from embedlab.data._json_file import read_json
from embedlab.errors import DataError

TEMPLATES_FILE = "templates.json"
DEFAULT_TEMPLATE_SET = "photo"
TEMPLATE_SETS: dict[str, tuple[str, ...]] = {
    "photo": ("a photo of a {c}.",),
    "clip-imagenet-7": (
        "itap of a {c}.",
        "a bad photo of the {c}.",
        "a origami {c}.",
        "a photo of the large {c}.",
        "a {c} in a video game.",
        "art of the {c}.",
        "a photo of the small {c}.",
    ),
}
_PLACEHOLDER = re.compile(r"\{c?\}")
_EXAMPLE = '["a photo of a {c}.", "a drawing of a {c}."]'


def fill_template(template: str, classname: str) -> str:
    """``template`` with every ``{c}`` / ``{}`` replaced by ``classname`` (one pass, no format)."""
    return _PLACEHOLDER.sub(lambda _: classname, template)


def load_templates(data_dir: Path, path: Path | None = None) -> tuple[tuple[str, ...], str]:
    """The templates of ``data_dir`` and where they came from (for the results log).

    Args:
        data_dir: the dataset folder; its ``templates.json`` is used if present.
        path: an explicit templates file instead (it must exist).

    Returns:
        ``(templates, source)``; source is the file path or ``"built-in 'NAME'"``.

    Raises:
        DataError: ``templates.json`` is not valid JSON, names no built-in set, is not a
            non-empty list of distinct strings, or a template lacks the placeholder or holds
            other braces. The message names the file and the offending template.
    """
    if path is not None and not path.is_file():
        raise DataError(f"templates file {str(path)!r} does not exist")
    path = path or data_dir / TEMPLATES_FILE
    if not path.is_file():
        return TEMPLATE_SETS[DEFAULT_TEMPLATE_SET], f"built-in {DEFAULT_TEMPLATE_SET!r}"
    content = read_json(path)
    if isinstance(content, str):
        if content not in TEMPLATE_SETS:
            raise DataError(
                f"{path}: {content!r} is not a built-in template set; "
                f"valid: {', '.join(sorted(TEMPLATE_SETS))} (or give a list of templates)"
            )
        return TEMPLATE_SETS[content], f"built-in {content!r} (from {path})"
    if not isinstance(content, list) or not content:
        raise DataError(
            f"{path} must hold a non-empty JSON list of template strings, e.g. {_EXAMPLE}"
        )
    for index, template in enumerate(content):
        _check_template(path, index, template)
    duplicate = next((t for i, t in enumerate(content) if t in content[:i]), None)
    if duplicate is not None:
        raise DataError(f"{path}: template {duplicate!r} appears twice; list each template once")
    return tuple(content), str(path)


def _check_template(path: Path, index: int, template: object) -> None:
    where = f"{path}: template {index}"
    if not isinstance(template, str) or not template.strip():
        raise DataError(f"{where} is {template!r}; every template must be a non-empty string")
    if not _PLACEHOLDER.search(template):
        raise DataError(
            f"{where} {template!r} has no placeholder; write {{c}} (or {{}}) where the class "
            "name goes, e.g. 'a photo of a {c}.'"
        )
    rest = _PLACEHOLDER.sub("", template)
    if "{" in rest or "}" in rest:
        raise DataError(
            f"{where} {template!r} has braces other than the placeholder {{c}} or {{}}; "
            "only the class name can be filled in"
        )
