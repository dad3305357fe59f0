"""The folder-per-class dataset, its class names and its prompt templates."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.data.imagefolder import load_imagefolder
from embedlab.data.templates import TEMPLATE_SETS, fill_template, load_templates
from embedlab.errors import DataError


def write_image(path: Path, colour: tuple[int, int, int] = (10, 20, 30)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), colour).save(path)


def make_folder(root: Path, layout: dict[str, list[str]]) -> Path:
    """``layout``: class folder -> relative image file names."""
    for folder, files in layout.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name in files:
            write_image(root / folder / name)
    return root


def write_json(path: Path, content: object) -> None:
    path.write_text(json.dumps(content), encoding="utf-8")


@pytest.fixture
def two_classes(tmp_path: Path) -> Path:
    return make_folder(tmp_path / "data", {"dog": ["b.png", "a.jpg"], "cat": ["1.png"]})


def test_classes_sorted_ids_relative_and_labels(tmp_path: Path) -> None:
    root = make_folder(
        tmp_path / "d",
        {
            "zebra": ["b.png", "A.PNG"],
            "golden_retriever": ["x.jpeg"],
            "ant": ["sub/z.webp", "y.png"],
        },
    )
    (root / "ant" / "notes.txt").write_text("not an image")
    write_image(root / "ant" / ".hidden.png")
    write_image(root / "stray.png")  # loose files at the top level are not classes
    (root / ".git").mkdir()
    data = load_imagefolder(root, "val")
    assert data.folders == ("ant", "golden_retriever", "zebra")
    assert data.classnames == ("ant", "golden retriever", "zebra")
    assert data.image_ids == [
        "ant/sub/z.webp",
        "ant/y.png",
        "golden_retriever/x.jpeg",
        "zebra/A.PNG",
        "zebra/b.png",
    ]
    assert data.labels.tolist() == [0, 0, 1, 2, 2]
    assert data.image_paths[0] == root / "ant" / "sub" / "z.webp"
    assert data.split == "val" and data.name == "imagefolder"
    assert data.templates == ("a photo of a {c}.",)
    assert data.meta == {"classnames": "folder names", "templates": "built-in 'photo'"}


def test_prompts_are_class_major(two_classes: Path) -> None:
    write_json(two_classes / "templates.json", ["a {c}.", "art of {}"])
    data = load_imagefolder(two_classes)
    assert data.prompts == ["a cat.", "art of cat", "a dog.", "art of dog"]
    assert data.prompt_ids == ["cat#0", "cat#1", "dog#0", "dog#1"]
    assert data.meta["templates"] == str(two_classes / "templates.json")


def test_fingerprint_changes_with_names_and_templates(two_classes: Path) -> None:
    base = load_imagefolder(two_classes).fingerprint
    assert load_imagefolder(two_classes).fingerprint == base
    write_json(two_classes / "templates.json", ["a {c}."])
    assert load_imagefolder(two_classes).fingerprint != base
    write_json(two_classes / "classnames.json", ["kitty", "doggy"])
    assert load_imagefolder(two_classes).fingerprint != base


def test_classnames_list_and_mapping(two_classes: Path) -> None:
    write_json(two_classes / "classnames.json", [" kitty ", "doggy"])
    assert load_imagefolder(two_classes).classnames == ("kitty", "doggy")
    write_json(two_classes / "classnames.json", {"dog": "doggy", "cat": "kitty"})
    data = load_imagefolder(two_classes)
    assert data.classnames == ("kitty", "doggy")
    assert data.meta["classnames"] == str(two_classes / "classnames.json")


def test_explicit_files_override_the_folder(two_classes: Path, tmp_path: Path) -> None:
    names, templates = tmp_path / "names.json", tmp_path / "t.json"
    write_json(names, ["feline", "canine"])
    write_json(templates, "clip-imagenet-7")
    data = load_imagefolder(two_classes, classnames_file=names, templates_file=templates)
    assert data.classnames == ("feline", "canine")
    assert data.templates == TEMPLATE_SETS["clip-imagenet-7"]
    with pytest.raises(DataError, match="does not exist"):
        load_imagefolder(two_classes, templates_file=tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (["only one"], r"lists 1 class names but .* has 2 class folders"),
        ({"cat": "kitty"}, r"no name for class folders 'dog'"),
        ({"cat": "kitty", "dog": "d", "cow": "c"}, r"folders that do not exist: 'cow'"),
        (["kitty", ""], r"class folder 'dog' is ''"),
        (["same", "same"], r"'cat' and 'dog' get the same name 'same'"),
        ("kitty", r"must hold a JSON list of names or an object"),
    ],
)
def test_bad_classnames(two_classes: Path, content: object, message: str) -> None:
    write_json(two_classes / "classnames.json", content)
    with pytest.raises(DataError, match=message) as info:
        load_imagefolder(two_classes)
    assert "classnames.json" in str(info.value)


def test_classnames_invalid_json_names_file_and_line(two_classes: Path) -> None:
    (two_classes / "classnames.json").write_text('["a",\n "b"', encoding="utf-8")
    with pytest.raises(DataError, match=r"classnames.json is not valid JSON \(line 2"):
        load_imagefolder(two_classes)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([], "non-empty JSON list"),
        ({"a": 1}, "non-empty JSON list"),
        (["a photo of a cat"], r"template 0 'a photo of a cat' has no placeholder"),
        (["{c}", 3], r"template 1 is 3; every template must be a non-empty string"),
        (["a {c} in {place}"], "braces other than the placeholder"),
        (["a {c}.", "a {c}."], r"template 'a \{c\}.' appears twice"),
        ("no-such-set", r"'no-such-set' is not a built-in template set; valid: clip-imagenet-7"),
    ],
)
def test_bad_templates(two_classes: Path, content: object, message: str) -> None:
    write_json(two_classes / "templates.json", content)
    with pytest.raises(DataError, match=message) as info:
        load_imagefolder(two_classes)
    assert str(two_classes / "templates.json") in str(info.value)


def test_template_filling_is_literal() -> None:
    assert fill_template("a {c} or {}", "x{}y") == "a x{}y or x{}y"
    assert fill_template("{c}", "a\\1") == "a\\1"
    templates, source = load_templates(Path("/nonexistent"))
    assert templates == ("a photo of a {c}.",) and source == "built-in 'photo'"
    assert len(TEMPLATE_SETS["clip-imagenet-7"]) == 7


def test_class_folder_without_images_is_named(two_classes: Path) -> None:
    (two_classes / "empty_one").mkdir()
    (two_classes / "empty_one" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match=r"class folder '.*empty_one' has no image files"):
        load_imagefolder(two_classes)


def test_fewer_than_two_classes(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "one", {"cat": ["a.png"]})
    with pytest.raises(DataError, match=r"has 1 class folder\(s\) \('cat'\); .* at least 2"):
        load_imagefolder(root)
    with pytest.raises(DataError, match="is not a directory"):
        load_imagefolder(tmp_path / "missing")


def test_record_checks(two_classes: Path) -> None:
    data = load_imagefolder(two_classes)
    with pytest.raises(DataError, match="class 'dog' has no images"):
        replace(data, labels=np.zeros(3, dtype=np.int64))
