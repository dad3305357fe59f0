"""Several entries pointing at one image file: one DataWarning line (issue #17 item 7)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from embedlab.data import DatasetRequest, ImageTextDataset, load_dataset
from embedlab.data.imagefolder import load_imagefolder
from embedlab.errors import DataWarning
from tests.fixtures.datasets import _coco, write_karpathy_coco, write_png


def _captions(root: Path, lines: list[dict[str, object]]) -> ImageTextDataset:
    root.mkdir(parents=True, exist_ok=True)
    (root / "captions.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return load_dataset(DatasetRequest("captions", root, root / "cache"), ImageTextDataset)


def test_two_caption_lines_on_one_image_file_warn(tmp_path: Path) -> None:
    write_png(tmp_path / "set" / "a.png")
    write_png(tmp_path / "set" / "b.png", color=(1, 2, 3))
    lines: list[dict[str, object]] = [
        {"image": "a.png", "captions": ["a red square"], "id": "first"},
        {"image": "b.png", "captions": ["a dark square"], "id": "other"},
        {"image": "./a.png", "captions": ["the same red square"], "id": "again"},
    ]
    with pytest.warns(DataWarning, match=r"1 image file\(s\) are used by more than one image "
                      r"entry \(1 extra entries\), e.g. .*a\.png is images 'first', 'again'"):
        data = _captions(tmp_path / "set", lines)
    assert data.n_images == 3  # the run goes on
    with warnings.catch_warnings():  # loaded again (the next model): said once per process
        warnings.simplefilter("error", DataWarning)
        _captions(tmp_path / "set", lines)
    write_png(tmp_path / "other" / "a.png")
    write_png(tmp_path / "other" / "c.png")  # same bytes as a.png, another file: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        _captions(tmp_path / "other", [lines[0], {"image": "c.png", "captions": ["y"]}])


def test_two_karpathy_entries_on_one_file_warn(tmp_path: Path) -> None:
    images = [_coco(1, "test", 5, 0, 0), _coco(2, "test", 5, 10, 1), _coco(3, "test", 5, 20, 2)]
    images[2]["filename"] = images[0]["filename"]
    root = write_karpathy_coco(tmp_path / "coco", images)
    request = DatasetRequest("coco-karpathy", root, tmp_path / "cache")
    with pytest.warns(DataWarning, match=r"'coco-karpathy' .*1 image file\(s\) .*e.g. "
                      r".*COCO_val2014_000000000001\.jpg is images '1', '3'"):
        load_dataset(request, ImageTextDataset)


def test_imagefolder_file_reached_twice_through_a_symlink_warns(tmp_path: Path) -> None:
    write_png(tmp_path / "cat" / "1.png")
    write_png(tmp_path / "dog" / "2.png", color=(5, 5, 5))
    (tmp_path / "dog" / "3.png").symlink_to(tmp_path / "cat" / "1.png")
    with pytest.warns(DataWarning, match=r"e.g. .*cat/1\.png is images 'cat/1.png', 'dog/3.png'"):
        load_imagefolder(tmp_path)
