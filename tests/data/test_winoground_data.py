"""Winoground loading: the local layout (examples.jsonl + images/) and the Hub path (offline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embedlab.data import winoground_hub
from embedlab.data.winoground import load_winoground, read_winoground_dir
from embedlab.errors import DataError
from tests.fixtures.datasets import write_png


@pytest.fixture(autouse=True)
def _hub_online(hub_online: None) -> None:
    """The Hub tests below stand in for the Hub by patching ``datasets.load_dataset``."""


def example(i: int, tag: str = "Object", **changes: Any) -> dict[str, Any]:
    """One official-format line (image names without extension, as in the release)."""
    line: dict[str, Any] = {
        "id": i,
        "image_0": f"ex_{i}_img_0",
        "image_1": f"ex_{i}_img_1",
        "caption_0": f"a cat on a mat {i}",
        "caption_1": f"a mat on a cat {i}",
        "tag": "Noun",
        "secondary_tag": "",
        "num_main_preds": 1,
        "collapsed_tag": tag,
    }
    line.update(changes)
    return line


def write_winoground(root: Path, lines: list[dict[str, Any]], images: bool = True) -> Path:
    """``root/examples.jsonl`` plus a PNG per named image in ``root/images/``."""
    root.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (root / "examples.jsonl").write_text(text, encoding="utf-8")
    if images:
        for n, line in enumerate(lines):
            for k in (0, 1):
                name = str(line.get(f"image_{k}", f"missing_{n}_{k}"))
                name = name if name.endswith(".png") else f"{name}.png"
                write_png(root / "images" / name, color=(n * 30 % 256, 60 * k, 90))
    return root


def test_local_layout_loads_items_in_file_order(tmp_path: Path) -> None:
    root = write_winoground(tmp_path / "wg", [example(0), example(1, "Relation"), example(2)])
    pairs = load_winoground(root, tmp_path / "cache")
    assert [e.item_id for e in pairs.examples] == ["0", "1", "2"]
    first = pairs.examples[0]
    assert first.image_ids == ("ex_0_img_0", "ex_0_img_1")
    assert first.image_paths[0] == root / "images" / "ex_0_img_0.png"
    assert first.captions == ("a cat on a mat 0", "a mat on a cat 0")
    assert [e.tag for e in pairs.examples] == ["Object", "Relation", "Object"]
    assert pairs.fingerprint == load_winoground(root, tmp_path / "cache").fingerprint


def test_images_may_sit_next_to_examples_and_carry_an_extension(tmp_path: Path) -> None:
    root = tmp_path / "flat"
    line = example(0, image_0="a.png", image_1="b.png")
    root.mkdir()
    (root / "examples.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    write_png(root / "a.png")
    write_png(root / "b.png", color=(1, 2, 3))
    pairs = read_winoground_dir(root, source="test")
    assert pairs.examples[0].image_paths == (root / "a.png", root / "b.png")
    assert pairs.examples[0].image_ids == ("a", "b")


@pytest.mark.parametrize("field", ["caption_1", "image_0", "collapsed_tag"])
def test_a_missing_field_names_the_item_and_line(tmp_path: Path, field: str) -> None:
    bad = example(7)
    del bad[field]
    root = write_winoground(tmp_path / "wg", [example(6), bad])
    with pytest.raises(DataError, match=rf"line 2, item '7': field '{field}'"):
        read_winoground_dir(root, source="test")


def test_missing_and_unreadable_images_name_the_item(tmp_path: Path) -> None:
    root = write_winoground(tmp_path / "wg", [example(0), example(1)])
    (root / "images" / "ex_1_img_1.png").unlink()
    with pytest.raises(DataError, match=r"item '1' image_1"):
        read_winoground_dir(root, source="test")
    (root / "images" / "ex_1_img_1.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"item '1' image_1.*cannot be opened"):
        read_winoground_dir(root, source="test")


def test_bad_json_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"examples\.jsonl"):
        read_winoground_dir(tmp_path, source="test")
    (tmp_path / "examples.jsonl").write_text('{"id": 0}\n{oops\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2 is not valid JSON"):
        read_winoground_dir(tmp_path, source="test")


def test_image_names_may_not_escape_the_folder(tmp_path: Path) -> None:
    root = write_winoground(tmp_path / "wg", [example(0, image_0="../x")], images=False)
    with pytest.raises(DataError, match="plain relative file name"):
        read_winoground_dir(root, source="test")


def _hub_folder(tmp_path: Path) -> Path:
    """A local folder that ``datasets.load_dataset`` reads like the Hub copy (Parquet)."""
    datasets = pytest.importorskip("datasets")
    from PIL import Image

    rows: dict[str, list[Any]] = {k: [] for k in example(0)}
    for i in range(3):
        line = example(i, "Both" if i == 2 else "Object")
        for key, value in line.items():
            rows[key].append(value)
        rows["image_0"][-1] = Image.new("RGB", (6, 5), (i * 40, 10, 10))
        rows["image_1"][-1] = Image.new("RGB", (6, 5), (10, i * 40, 10))
    features = datasets.Features(
        {
            **{k: datasets.Value("string") for k in rows},
            "id": datasets.Value("int32"),
            "num_main_preds": datasets.Value("int32"),
            "image_0": datasets.Image(),
            "image_1": datasets.Image(),
        }
    )
    folder = tmp_path / "hub"
    (folder / "data").mkdir(parents=True)
    ds = datasets.Dataset.from_dict(rows, features=features)
    ds.to_parquet(str(folder / "data" / "test-00000-of-00001.parquet"))
    return folder


def test_hub_rows_are_written_into_the_local_layout(tmp_path: Path) -> None:
    folder = _hub_folder(tmp_path)
    cache = tmp_path / "cache"
    pairs = load_winoground(None, cache, hub_id=str(folder))
    assert [e.item_id for e in pairs.examples] == ["0", "1", "2"]
    assert [e.tag for e in pairs.examples] == ["Object", "Object", "Both"]
    path = pairs.examples[2].image_paths[1]
    assert path.name == "ex_2_img_1.png" and path.read_bytes().startswith(b"\x89PNG")
    from PIL import Image

    with Image.open(path) as image:
        assert image.size == (6, 5) and image.convert("RGB").getpixel((0, 0)) == (10, 80, 10)
    # a second load reads the cached copy without the Hub
    assert load_winoground(None, cache, hub_id=str(folder)).fingerprint == pairs.fingerprint


def test_gated_refusal_says_how_to_get_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    datasets = pytest.importorskip("datasets")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise datasets.exceptions.DatasetNotFoundError(
            "Dataset 'facebook/winoground' is a gated dataset on the Hub. "
            "You must be authenticated to access it."
        )

    monkeypatch.setattr(datasets, "load_dataset", refuse)
    with pytest.raises(DataError) as info:
        load_winoground(None, tmp_path)
    message = str(info.value)
    assert "gated" in message and "HF_TOKEN" in message and "huggingface-cli login" in message
    assert "https://huggingface.co/datasets/facebook/winoground" in message


def test_other_hub_failures_are_data_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    datasets = pytest.importorskip("datasets")

    def offline(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Couldn't reach 'facebook/winoground' on the Hub (ConnectError)")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataError, match=r"could not read.*--data-dir"):
        load_winoground(None, tmp_path)
    assert winoground_hub._is_gated(ConnectionError("timeout")) is False


def test_script_only_hub_copies_fall_back_to_the_parquet_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    datasets = pytest.importorskip("datasets")
    folder = _hub_folder(tmp_path)
    real = datasets.load_dataset
    revisions: list[object] = []

    def scripted(path: str, **kwargs: Any) -> Any:
        revisions.append(kwargs.get("revision"))
        if kwargs.get("revision") is None:
            raise RuntimeError("Dataset scripts are no longer supported, but found winoground.py")
        kwargs.pop("revision")
        return real(str(folder), **kwargs)

    monkeypatch.setattr(datasets, "load_dataset", scripted)
    pairs = load_winoground(None, tmp_path / "cache")
    assert revisions == [None, "refs/convert/parquet"] and len(pairs.examples) == 3
