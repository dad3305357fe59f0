"""COCO / Flickr30k from Hub-style datasets, offline: local dataset folders + a local server."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import datasets
import pytest

from embedlab.data import DatasetRequest, ImageTextDataset, load_dataset
from embedlab.data import hub as hub_module
from embedlab.data.coco_karpathy import HUB_ID as COCO_HUB_ID
from embedlab.data.flickr30k import HUB_ID as FLICKR_HUB_ID
from embedlab.errors import DataError, MissingDependencyError
from tests.data.http_server import ImageServer
from tests.fixtures.datasets import write_png

Columns = dict[str, list[Any]]


def _coco_columns(server: ImageServer, root: Path, cocoids: list[int], split: str) -> Columns:
    """yerevann/coco-karpathy rows; each image is put on the server."""
    cols: Columns = {k: [] for k in ("filepath", "sentids", "filename", "imgid", "split")}
    cols.update({"sentences": [], "cocoid": [], "url": []})
    for n, cocoid in enumerate(cocoids):
        filename = f"COCO_val2014_{cocoid:012d}.jpg"
        server.files[f"val2014/{filename}"] = write_png(root / "png" / filename, (n * 50, 0, 0))
        cols["filepath"].append("val2014")
        cols["filename"].append(filename)
        cols["imgid"].append(n)
        cols["split"].append(split)
        cols["cocoid"].append(cocoid)
        cols["sentids"].append([cocoid * 10 + k for k in range(5)])
        cols["sentences"].append([f"{cocoid} says {k}" for k in range(5)])
        cols["url"].append(server.url(f"val2014/{filename}"))
    return cols


def _parquet_dir(root: Path, splits: Mapping[str, Columns]) -> Path:
    """A local folder ``load_dataset`` reads like a Hub repo: ``data/<split>-*.parquet``."""
    for split, columns in splits.items():
        dataset = datasets.Dataset.from_dict(columns)
        dataset.to_parquet(str(root / "data" / f"{split}-00000-of-00001.parquet"))
    return root


@pytest.fixture
def coco_hub(image_server: ImageServer, tmp_path: Path) -> Path:
    """A yerevann-style COCO folder: 3 test images, 1 validation image, images served by URL."""
    test = _coco_columns(image_server, tmp_path, [1, 2, 3], "test")
    validation = _coco_columns(image_server, tmp_path, [4], "val")
    return _parquet_dir(tmp_path / "hub", {"test": test, "validation": validation})


def _load(name: str, hub_id: str | Path, cache: Path, split: str = "test") -> ImageTextDataset:
    return load_dataset(
        DatasetRequest(name, None, cache, split=split, hub_id=str(hub_id)), ImageTextDataset
    )


def test_coco_rows_are_downloaded_and_loaded(
    coco_hub: Path, image_server: ImageServer, tmp_path: Path
) -> None:
    ds = _load("coco-karpathy", coco_hub, tmp_path / "cache")
    assert ds.image_ids == ["1", "2", "3"]
    assert ds.caption_ids[:5] == ["10", "11", "12", "13", "14"]
    assert ds.captions[ds.first_caption[1]] == "2 says 0"
    assert ds.caption_image.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    images = tmp_path / "cache" / "images" / "coco-karpathy"
    assert ds.image_paths[0] == images / "val2014" / "COCO_val2014_000000000001.jpg"
    assert ds.image_paths[0].read_bytes() == image_server.files["val2014/" + ds.image_paths[0].name]
    assert ds.source == str(coco_hub) and ds.meta["format"] == "hub"
    assert "val2014/COCO_val2014_000000000004.jpg" not in image_server.requests  # other split


def test_second_load_needs_neither_network_nor_datasets(
    coco_hub: Path, image_server: ImageServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _load("coco-karpathy", coco_hub, tmp_path / "cache")
    served = sum(image_server.requests.values())
    monkeypatch.setitem(sys.modules, "datasets", None)  # any `import datasets` now fails
    again = _load("coco-karpathy", coco_hub, tmp_path / "cache")
    assert again.fingerprint == first.fingerprint and again.captions == first.captions
    assert sum(image_server.requests.values()) == served


def test_resume_fetches_only_missing_images(
    coco_hub: Path, image_server: ImageServer, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    ds = _load("coco-karpathy", coco_hub, cache)
    ds.image_paths[1].unlink()
    image_server.requests.clear()
    again = _load("coco-karpathy", coco_hub, cache)
    assert again.image_paths[1].is_file()
    assert list(image_server.requests) == ["val2014/" + ds.image_paths[1].name]


def test_val_split_falls_back_to_the_validation_hub_split(coco_hub: Path, tmp_path: Path) -> None:
    assert _load("coco-karpathy", coco_hub, tmp_path / "cache", split="val").image_ids == ["4"]


def test_failed_download_names_url_and_item_then_resumes(
    coco_hub: Path, image_server: ImageServer, tmp_path: Path
) -> None:
    name = "val2014/COCO_val2014_000000000002.jpg"
    image_server.always_fail.add(name)
    with pytest.raises(DataError) as err:
        _load("coco-karpathy", coco_hub, tmp_path / "cache")
    message = str(err.value)
    assert f"row 1, image '2' from {image_server.url(name)} (HTTP 503" in message
    assert "after 3 attempts" in message and "re-run to resume" in message
    image_server.always_fail.clear()
    image_server.requests.clear()
    assert _load("coco-karpathy", coco_hub, tmp_path / "cache").n_images == 3
    assert list(image_server.requests) == [name]


def _flickr_columns(tmp_path: Path, rows: list[tuple[str, str, list[str]]]) -> Columns:
    """nlphuji-style rows (filename, split, captions) with the image embedded."""
    cols: Columns = {"image": [], "caption": [], "sentids": [], "split": [], "img_id": []}
    cols["filename"] = []
    for n, (filename, split, captions) in enumerate(rows):
        data = write_png(tmp_path / "png" / filename, (0, n * 60, 0))
        cols["image"].append({"bytes": data, "path": None})
        cols["caption"].append(captions)
        cols["sentids"].append([f"{n * 5 + k}" for k in range(len(captions))])
        cols["split"].append(split)
        cols["img_id"].append(str(n))
        cols["filename"].append(filename)
    return cols


FLICKR_ROWS = [
    ("1000092795.jpg", "test", ["two men", "two guys"]),
    ("10002456.jpg", "train", ["a dog"]),
    ("1000268201.jpg", "test", ["a child", "a girl", "a kid"]),
]


def test_embedded_images_from_a_saved_dataset_dict(tmp_path: Path) -> None:
    cols = _flickr_columns(tmp_path, FLICKR_ROWS)
    dataset = datasets.Dataset.from_dict(cols).cast_column("image", datasets.Image())
    folder = tmp_path / "saved"
    datasets.DatasetDict({"test": dataset}).save_to_disk(str(folder))
    ds = _load("flickr30k", folder, tmp_path / "cache")
    assert ds.image_ids == ["1000092795", "1000268201"]  # the train row is skipped
    assert ds.caption_ids == ["0", "1", "10", "11", "12"]
    assert ds.captions == ["two men", "two guys", "a child", "a girl", "a kid"]
    cached = tmp_path / "cache" / "images" / "flickr30k" / "1000092795.jpg"
    assert ds.image_paths[0] == cached
    assert cached.read_bytes() == (tmp_path / "png" / "1000092795.jpg").read_bytes()


def test_embedded_images_from_parquet_with_a_split_column(tmp_path: Path) -> None:
    cols = _flickr_columns(tmp_path, FLICKR_ROWS)
    dataset = datasets.Dataset.from_dict(cols).cast_column("image", datasets.Image())
    dataset.to_parquet(str(tmp_path / "hub" / "data" / "test-00000-of-00001.parquet"))
    ds = _load("flickr30k", tmp_path / "hub", tmp_path / "cache")
    assert ds.image_ids == ["1000092795", "1000268201"] and ds.n_captions == 5
    with pytest.raises(DataError, match=r"split 'train'.*Available splits: \['test'\]"):
        _load("flickr30k", tmp_path / "hub", tmp_path / "cache2", split="train")


def test_single_saved_dataset_is_the_requested_split(tmp_path: Path) -> None:
    cols = _flickr_columns(tmp_path, FLICKR_ROWS[:1])
    del cols["split"], cols["sentids"]
    datasets.Dataset.from_dict(cols).save_to_disk(str(tmp_path / "one"))
    ds = _load("flickr30k", tmp_path / "one", tmp_path / "cache")
    assert ds.caption_ids == ["1000092795#0", "1000092795#1"]


def test_no_rows_for_the_split_lists_what_exists(tmp_path: Path) -> None:
    cols = _flickr_columns(tmp_path, [FLICKR_ROWS[1]])
    folder = _parquet_dir(tmp_path / "hub", {"test": cols})
    with pytest.raises(DataError, match=r"no rows for split 'test'.*train \(1 rows\)"):
        _load("flickr30k", folder, tmp_path / "cache")


def test_saved_dict_without_the_split(tmp_path: Path) -> None:
    cols = _flickr_columns(tmp_path, FLICKR_ROWS[:1])
    datasets.DatasetDict({"train": datasets.Dataset.from_dict(cols)}).save_to_disk(
        str(tmp_path / "d")
    )
    with pytest.raises(DataError, match=r"has no split 'test'; splits present: train"):
        _load("flickr30k", tmp_path / "d", tmp_path / "cache")


@pytest.mark.parametrize(
    ("drop", "message"),
    [("caption", r"row 0 has no caption list.*columns present: filename"), ("image", "neither")],
)
def test_rows_missing_columns(tmp_path: Path, drop: str, message: str) -> None:
    cols = _flickr_columns(tmp_path, FLICKR_ROWS[:1])
    del cols[drop]
    folder = _parquet_dir(tmp_path / "hub", {"test": cols})
    with pytest.raises(DataError, match=message):
        _load("flickr30k", folder, tmp_path / "cache")


def test_file_names_may_not_leave_the_cache(tmp_path: Path) -> None:
    cols = _flickr_columns(tmp_path, [("x.jpg", "test", ["c"])])
    cols["filename"] = ["../../evil.jpg"]
    folder = _parquet_dir(tmp_path / "hub", {"test": cols})
    with pytest.raises(DataError, match="would leave the image cache"):
        _load("flickr30k", folder, tmp_path / "cache")


def test_file_urls(tmp_path: Path) -> None:
    png = tmp_path / "img.png"
    write_png(png)
    cols: Columns = {"filename": ["a.png"], "sentences": [["x", "y"]], "url": [png.as_uri()]}
    folder = _parquet_dir(tmp_path / "hub", {"test": cols})
    ds = _load("flickr30k", folder, tmp_path / "cache")
    assert ds.image_ids == ["a"] and ds.image_paths[0].read_bytes() == png.read_bytes()


def test_unreadable_hub_id(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dataset"
    with pytest.raises(DataError, match=rf"'{missing}'.*--data-dir"):
        _load("coco-karpathy", missing, tmp_path / "cache")


def test_missing_datasets_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(MissingDependencyError, match=r"embedlab\[hub\]") as err:
        _load("coco-karpathy", tmp_path / "x", tmp_path / "cache")
    assert err.value.package == "datasets"


@pytest.mark.parametrize(
    ("name", "hub_id"), [("coco-karpathy", COCO_HUB_ID), ("flickr30k", FLICKR_HUB_ID)]
)
def test_default_hub_ids(
    name: str, hub_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str]] = []

    def fake_rows(hub: str, split: str, *, purpose: str) -> Iterator[dict[str, Any]]:
        asked.append((hub, split))
        png = tmp_path / "a.png"
        write_png(png)
        yield {"filename": "a.png", "cocoid": 9, "sentences": ["x"], "url": png.as_uri()}

    monkeypatch.setattr(hub_module, "open_rows", fake_rows)
    ds = load_dataset(DatasetRequest(name, None, tmp_path / "cache"), ImageTextDataset)
    assert asked == [(hub_id, "test")] and ds.source == hub_id


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("name", ["coco-karpathy", "winoground"])
def test_unreachable_hub_fails_in_seconds_with_one_message(name: str, tmp_path: Path) -> None:
    """Online mode, Hub endpoint refusing connections: no retry lines, one error, in seconds."""
    import os
    import subprocess

    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from embedlab.data import DatasetRequest, load_dataset\n"
        "from embedlab.errors import DataError\n"
        "start = time.perf_counter()\n"
        "try:\n"
        f"    load_dataset(DatasetRequest({name!r}, None, Path('cache')), object)\n"
        "except DataError as exc:\n"
        "    print(f'{time.perf_counter() - start:.3f}')\n"
        "    print(exc)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "HF_DATASETS_OFFLINE": "0",
           "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seconds, message = result.stdout.strip().split("\n")
    assert float(seconds) < 10
    assert "Retry" not in result.stderr and "Retrying" not in result.stdout
    hub_id = "yerevann/coco-karpathy" if name == "coco-karpathy" else "facebook/winoground"
    assert f"needs the Hugging Face dataset {hub_id!r}" in message
    assert "cannot be reached (connection refused)" in message
    assert "--data-dir" in message and "--hub-id" in message


def test_offline_mode_fails_at_once_naming_the_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError) as err:
        load_dataset(DatasetRequest("coco-karpathy", None, tmp_path), ImageTextDataset)
    message = str(err.value)
    assert message.startswith(
        "loading coco-karpathy needs the Hugging Face dataset 'yerevann/coco-karpathy', but "
        "HF_HUB_OFFLINE=1 is set (offline mode); pass --data-dir"
    )
