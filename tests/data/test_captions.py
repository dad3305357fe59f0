"""The generic ``captions`` format: ``<data-dir>/captions.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.data import DatasetRequest, ImageTextDataset, load_dataset
from embedlab.errors import DataError
from tests.fixtures.datasets import write_png


def _write(root: Path, lines: list[object | str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    (root / "captions.jsonl").write_text(text + "\n", encoding="utf-8")
    return root


def _load(root: Path) -> ImageTextDataset:
    return load_dataset(DatasetRequest("captions", root, root / "cache"), ImageTextDataset)


def test_loads_ids_paths_and_captions(tmp_path: Path) -> None:
    write_png(tmp_path / "imgs" / "a.jpg")
    absolute = tmp_path / "elsewhere" / "b.png"
    write_png(absolute)
    root = _write(
        tmp_path / "set",
        [
            {"image": "../imgs/a.jpg", "captions": ["first a", " second a "]},
            "",
            {"image": str(absolute), "captions": ["only b"], "id": 17},
        ],
    )
    ds = _load(root)
    assert ds.name == "captions" and ds.split == "test"
    assert ds.image_ids == ["../imgs/a.jpg", "17"]
    assert ds.image_paths == [root / "../imgs/a.jpg", absolute]
    assert ds.caption_ids == ["../imgs/a.jpg#0", "../imgs/a.jpg#1", "17#0"]
    assert ds.captions == ["first a", "second a", "only b"]
    assert ds.caption_image.tolist() == [0, 0, 1]
    assert ds.first_caption.tolist() == [0, 2]


def test_needs_a_data_dir(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="--data-dir"):
        load_dataset(DatasetRequest("captions", None, tmp_path), ImageTextDataset)


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=str(tmp_path / "captions.jsonl")):
        _load(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="has no records"):
        _load(_write(tmp_path, ["", "  "]))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{oops", r"line 2 is not valid JSON"),
        ("[1, 2]", r"line 2 is not a JSON object"),
        ({"captions": ["x"]}, r"line 2: 'image' must be"),
        ({"image": "a.jpg"}, r"line 2: 'captions' must be a non-empty list"),
        ({"image": "a.jpg", "captions": []}, r"line 2: 'captions' must be a non-empty list"),
        ({"image": "a.jpg", "captions": ["ok", ""]}, r"line 2: captions\[1\] is empty"),
        ({"image": "a.jpg", "captions": ["ok", 3]}, r"line 2: captions\[1\] is empty or not a str"),
        ({"image": "a.jpg", "captions": ["x"], "id": [1]}, r"line 2: 'id' must be"),
    ],
)
def test_malformed_line_is_named(tmp_path: Path, line: object, message: str) -> None:
    write_png(tmp_path / "a.jpg")
    root = _write(tmp_path, [{"image": "a.jpg", "captions": ["fine"], "id": "first"}, line])
    with pytest.raises(DataError, match=message):
        _load(root)


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    write_png(tmp_path / "a.jpg")
    root = _write(
        tmp_path,
        [{"image": "a.jpg", "captions": ["x"]}, {"image": "a.jpg", "captions": ["y"]}],
    )
    with pytest.raises(DataError, match=r"image id 'a.jpg' appears twice \(line 1 and line 2\)"):
        _load(root)


def test_missing_image_file_names_line_and_path(tmp_path: Path) -> None:
    write_png(tmp_path / "a.jpg")
    root = _write(
        tmp_path,
        [{"image": "a.jpg", "captions": ["x"]}, {"image": "gone.jpg", "captions": ["y"]}],
    )
    with pytest.raises(DataError, match=r"1 of 2 image files do not exist.*gone\.jpg.*line 2"):
        _load(root)


def test_byte_order_mark_is_accepted_and_bad_encoding_named(tmp_path: Path) -> None:
    write_png(tmp_path / "a.jpg")
    line = json.dumps({"image": "a.jpg", "captions": ["x"]})
    (tmp_path / "captions.jsonl").write_bytes(b"\xef\xbb\xbf" + line.encode())
    assert _load(tmp_path).captions == ["x"]
    (tmp_path / "captions.jsonl").write_bytes(b"\xff\xfe bad")
    with pytest.raises(DataError, match="is not UTF-8 text"):
        _load(tmp_path)
