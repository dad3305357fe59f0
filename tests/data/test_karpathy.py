"""COCO and Flickr30k from Karpathy's JSON files in a local --data-dir."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.data import DatasetRequest, ImageTextDataset, load_dataset
from embedlab.errors import DataError
from tests.fixtures.datasets import (
    coco_images,
    flickr_images,
    karpathy_entry,
    write_karpathy_coco,
    write_karpathy_flickr,
)


def _coco(data_dir: Path, split: str = "test") -> ImageTextDataset:
    return load_dataset(
        DatasetRequest("coco-karpathy", data_dir, data_dir / "cache", split=split), ImageTextDataset
    )


def test_coco_test_split_ids_captions_and_mapping(coco_dir: Path) -> None:
    ds = _coco(coco_dir)
    assert ds.name == "coco-karpathy" and ds.split == "test"
    assert ds.image_ids == ["391895", "184613", "574769"]
    assert ds.image_paths[0] == coco_dir / "val2014" / "COCO_val2014_000000391895.jpg"
    assert ds.n_captions == 16
    assert ds.caption_ids[:6] == ["770337", "770338", "770339", "770340", "770341", "10"]
    assert ds.captions[:2] == ["coco 391895 caption 0", "coco 391895 caption 1"]
    assert ds.caption_image.tolist() == [0] * 5 + [1] * 6 + [2] * 5
    assert ds.first_caption.tolist() == [0, 5, 11]
    assert [ds.captions[i] for i in ds.first_caption] == [
        "coco 391895 caption 0",
        "coco 184613 caption 0",
        "coco 574769 caption 0",
    ]
    assert ds.source == str(coco_dir / "dataset_coco.json")


@pytest.mark.parametrize(
    ("split", "ids"), [("val", ["318219"]), ("restval", ["554625"]), ("train", ["522418"])]
)
def test_coco_keeps_only_the_requested_split(coco_dir: Path, split: str, ids: list[str]) -> None:
    assert _coco(coco_dir, split).image_ids == ids


def test_coco_falls_back_to_imgid_without_cocoid(tmp_path: Path) -> None:
    entry = karpathy_entry("a.jpg", "test", ["x"], first_sentid=7, imgid=42)
    ds = _coco(write_karpathy_coco(tmp_path, [entry]))
    assert ds.image_ids == ["42"] and ds.caption_ids == ["7"]


def test_flickr_ids_are_stems_and_filepath_may_be_missing(flickr_dir: Path) -> None:
    ds = load_dataset(
        DatasetRequest("flickr30k", flickr_dir, flickr_dir / "cache"), ImageTextDataset
    )
    assert ds.image_ids == ["1000092795", "1000268201"]
    assert ds.image_paths == [flickr_dir / "1000092795.jpg", flickr_dir / "1000268201.jpg"]
    assert ds.captions == ["f a", "f b", "f c", "f f", "f g"]
    np.testing.assert_array_equal(ds.caption_image, [0, 0, 0, 1, 1])


def test_missing_json_names_the_expected_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        _coco(tmp_path)
    message = str(err.value)
    assert str(tmp_path / "dataset_coco.json") in message and "caption_datasets.zip" in message


def test_flickr_missing_json_names_its_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"dataset_flickr30k\.json"):
        load_dataset(DatasetRequest("flickr30k", tmp_path, tmp_path / "cache"), ImageTextDataset)


def test_not_json(tmp_path: Path) -> None:
    (tmp_path / "dataset_coco.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match=r"dataset_coco.json.*not valid JSON"):
        _coco(tmp_path)


@pytest.mark.parametrize("doc", [{"annotations": []}, [1, 2], {"images": {"a": 1}}])
def test_no_images_list(tmp_path: Path, doc: object) -> None:
    (tmp_path / "dataset_coco.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match="no 'images' list"):
        _coco(tmp_path)


def test_entry_that_is_not_an_object(tmp_path: Path) -> None:
    (tmp_path / "dataset_coco.json").write_text('{"images": [3]}', encoding="utf-8")
    with pytest.raises(DataError, match=r"images\[0\] is not a JSON object"):
        _coco(tmp_path)


def test_no_image_with_split_lists_the_splits(coco_dir: Path) -> None:
    with pytest.raises(DataError) as err:
        _coco(coco_dir, "testing")
    message = str(err.value)
    assert "'testing'" in message
    for present in ("test (3 images)", "train (1 images)", "val (1 images)", "restval (1 images)"):
        assert present in message


def test_image_without_sentences_is_named(tmp_path: Path) -> None:
    images = coco_images()
    images[2]["sentences"] = []
    with pytest.raises(DataError, match=r"images\[2\] \(image '184613'.*has no sentences"):
        _coco(write_karpathy_coco(tmp_path, images))


def test_empty_caption_names_image_and_sentid(tmp_path: Path) -> None:
    images = coco_images()
    images[0]["sentences"][3]["raw"] = "   "
    with pytest.raises(DataError, match=r"image '391895'.*sentid 770340 is empty"):
        _coco(write_karpathy_coco(tmp_path, images))


def test_sentence_without_sentid(tmp_path: Path) -> None:
    images = coco_images()
    del images[0]["sentences"][1]["sentid"]
    with pytest.raises(DataError, match=r"sentences\[1\] has no 'sentid'"):
        _coco(write_karpathy_coco(tmp_path, images))


def test_missing_image_files_are_counted_and_listed(tmp_path: Path) -> None:
    images = [
        karpathy_entry(f"img{i}.jpg", "test", [f"c{i}"], first_sentid=i, cocoid=i) for i in range(8)
    ]
    write_karpathy_coco(tmp_path, images, with_files=False)
    with pytest.raises(DataError) as err:
        _coco(tmp_path)
    message = str(err.value)
    assert "8 of 8 image files do not exist" in message
    assert str(tmp_path / "val2014" / "img0.jpg") in message and "and 3 more" in message
    assert "img7.jpg" not in message


def test_one_missing_image_file(coco_dir: Path) -> None:
    missing = coco_dir / "val2014" / "COCO_val2014_000000184613.jpg"
    missing.unlink()
    with pytest.raises(DataError, match=r"1 of 3 image files do not exist.*000000184613\.jpg"):
        _coco(coco_dir)


def test_duplicate_image_id_is_named(tmp_path: Path) -> None:
    images = [
        karpathy_entry("a.jpg", "test", ["x"], first_sentid=1, cocoid=5),
        karpathy_entry("b.jpg", "test", ["y"], first_sentid=2, cocoid=5),
    ]
    with pytest.raises(
        DataError, match=r"image id '5' appears twice \(images\[0\] and images\[1\]\)"
    ):
        _coco(write_karpathy_coco(tmp_path, images))


def test_flickr_entry_without_filename(tmp_path: Path) -> None:
    images = flickr_images()
    del images[0]["filename"]
    _write_flickr_json(tmp_path, images)
    with pytest.raises(DataError, match=r"images\[0\] has no 'filename'"):
        load_dataset(DatasetRequest("flickr30k", tmp_path, tmp_path / "cache"), ImageTextDataset)


def _write_flickr_json(root: Path, images: list[dict[str, object]]) -> None:
    (root / "dataset_flickr30k.json").write_text(json.dumps({"images": images}), "utf-8")


def test_flickr_helper_writes_loadable_folder(tmp_path: Path) -> None:
    root = write_karpathy_flickr(tmp_path / "f", flickr_images()[:1])
    ds = load_dataset(DatasetRequest("flickr30k", root, tmp_path / "cache"), ImageTextDataset)
    assert ds.image_ids == ["1000092795"]
