"""Dataset fingerprints hash content: texts, image bytes, relevance (issue #17 item 6)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from embedlab.data.beir import BeirDataset
from embedlab.data.content import PREFIX, content_fingerprint, file_digest
from embedlab.data.imagefolder import load_imagefolder
from embedlab.data.pair_sets import ChoiceExample, ChoiceSet, PairExample, PairSet
from embedlab.data.types import ImageTextDataset
from tests.fixtures.datasets import write_png


def _image_text(tmp_path: Path, captions: list[str]) -> ImageTextDataset:
    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for k, path in enumerate(paths):
        if not path.exists():
            write_png(path, color=(k * 99, 0, 0))
    return ImageTextDataset(
        name="demo", split="test", image_ids=["a", "b"], image_paths=paths,
        caption_ids=["a#0", "b#0"], captions=captions,
        caption_image=np.array([0, 1], dtype=np.int64),
    )


def test_fields_are_length_prefixed() -> None:
    assert content_fingerprint(["a\nb"]) != content_fingerprint(["a", "b"])
    assert content_fingerprint(["x"]).startswith(PREFIX)


def test_image_text_fingerprint_sees_caption_texts_and_image_bytes(tmp_path: Path) -> None:
    base = _image_text(tmp_path, ["red", "black"]).fingerprint
    assert base.startswith(PREFIX)
    assert _image_text(tmp_path, ["red", "black"]).fingerprint == base
    assert _image_text(tmp_path, ["red", "BLACK"]).fingerprint != base  # same ids, other text
    write_png(tmp_path / "b.png", color=(1, 2, 3), size=9)  # same id and path, other pixels
    assert _image_text(tmp_path, ["red", "black"]).fingerprint != base


def test_file_digest_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    import hashlib

    data = write_png(tmp_path / "x.png")
    assert file_digest(tmp_path / "x.png") == hashlib.sha256(data).hexdigest()
    assert file_digest(tmp_path / "absent.png") == "missing"


def test_beir_fingerprint_sees_document_and_query_texts() -> None:
    data = BeirDataset(
        name="b", split="test", source="s", doc_ids=["d1", "d2"], doc_titles=["", "t"],
        doc_texts=["one", "two"], query_ids=["q1"], queries=["which"], qrels={"q1": {"d1": 1}},
    )
    changed = [
        dataclasses.replace(data, doc_texts=["one", "TWO"]),
        dataclasses.replace(data, doc_titles=["", "T"]),
        dataclasses.replace(data, queries=["WHICH"]),
        dataclasses.replace(data, qrels={"q1": {"d1": 2}}),
    ]
    assert len({data.fingerprint, *(d.fingerprint for d in changed)}) == 5
    assert dataclasses.replace(data).fingerprint == data.fingerprint


def test_pair_and_choice_fingerprints_see_image_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    write_png(a)
    write_png(b, color=(0, 0, 0))
    pairs = PairSet("p", "test", "s", [PairExample("1", ("a", "b"), (a, b), ("x", "y"), "t")])
    choices = ChoiceSet("c", "test", "s", [ChoiceExample("1", "a", a, "x", ("y",), "g", "1")])
    before = (pairs.fingerprint, choices.fingerprint)
    write_png(a, color=(9, 9, 9), size=9)  # other size: the memo keys on (path, size, mtime)
    pairs2 = PairSet("p", "test", "s", list(pairs.examples))
    choices2 = ChoiceSet("c", "test", "s", list(choices.examples))
    assert pairs2.fingerprint != before[0] and choices2.fingerprint != before[1]


def test_imagefolder_fingerprint_sees_image_bytes(tmp_path: Path) -> None:
    write_png(tmp_path / "cat" / "1.png")
    write_png(tmp_path / "dog" / "2.png", color=(5, 5, 5))
    base = load_imagefolder(tmp_path).fingerprint
    assert load_imagefolder(tmp_path).fingerprint == base
    write_png(tmp_path / "dog" / "2.png", color=(6, 6, 6), size=9)
    assert load_imagefolder(tmp_path).fingerprint != base
