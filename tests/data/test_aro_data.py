"""ARO data: VG-Relation/Attribution files with cropped images, and the order perturbations."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from embedlab.data.aro_order import order_choice_set
from embedlab.data.aro_vg import ATTRIBUTION, RELATION, load_aro_vg
from embedlab.data.pos_heuristic import coarse_tags
from embedlab.data.pos_taggers import RULES_ID, RuleTagger, SpacyTagger
from embedlab.data.types import ImageTextDataset
from embedlab.data.word_order import perturb, pre_caption, trigrams
from embedlab.errors import DataError


def vg_item(i: int, part: str, **changes: Any) -> dict[str, Any]:
    """One record in the official format (box of 4 x 3 pixels at (2, 1))."""
    item: dict[str, Any] = {
        "image_path": f"{100 + i % 2}.jpg",
        "bbox_x": 2,
        "bbox_y": 1,
        "bbox_w": 4,
        "bbox_h": 3,
        "true_caption": f"the horse is eating the grass {i}",
        "false_caption": f"the grass is eating the horse {i}",
    }
    if part == RELATION:
        item["relation_name"] = "eating" if i % 3 else "on"
    else:
        item["attributes"] = ["white", "black"] if i % 3 else ["red", "blue"]
    item.update(changes)
    return item


def write_vg(root: Path, part: str, items: list[dict[str, Any]]) -> Path:
    """The annotation file and two 10 x 8 images whose pixel (x, y) holds (x, y, 7)."""
    name = "visual_genome_relation.json" if part == RELATION else "visual_genome_attribution.json"
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(json.dumps(items), encoding="utf-8")
    (root / "images").mkdir(exist_ok=True)
    for stem in ("100", "101"):
        image = Image.new("RGB", (10, 8))
        image.putdata([(x, y, 7) for y in range(8) for x in range(10)])
        image.save(root / "images" / f"{stem}.jpg", format="PNG")  # lossless despite the name
    return root


@pytest.mark.parametrize("part", [RELATION, ATTRIBUTION])
def test_vg_items_are_cropped_to_their_box(tmp_path: Path, part: str) -> None:
    root = write_vg(tmp_path / "aro", part, [vg_item(i, part) for i in range(4)])
    choices = load_aro_vg(root, tmp_path / "cache", part)
    assert [e.item_id for e in choices.examples] == ["0", "1", "2", "3"]
    first = choices.examples[0]
    assert first.alternatives == ("the grass is eating the horse 0",)
    assert first.group == ("on" if part == RELATION else "red_blue")
    assert first.cluster == "100.jpg"
    with Image.open(first.image_path) as crop:
        assert crop.size == (4, 3)
        assert crop.convert("RGB").getpixel((0, 0)) == (2, 1, 7)
        assert crop.convert("RGB").getpixel((3, 2)) == (5, 3, 7)
    assert first.image_path.is_relative_to(tmp_path / "cache")
    # crops are reused: a second load writes nothing new
    mtime = first.image_path.stat().st_mtime_ns
    load_aro_vg(root, tmp_path / "cache", part)
    assert first.image_path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"true_caption": ""}, "item 1: field 'true_caption'"),
        ({"bbox_w": "4"}, "item 1: fields bbox_x"),
        ({"bbox_h": 0}, "item 1: the box has width"),
        ({"relation_name": None}, "item 1: field 'relation_name'"),
        ({"image_path": "nope.jpg"}, "item 1: image .*nope.jpg.* does not exist"),
    ],
)
def test_vg_errors_name_the_item(tmp_path: Path, changes: dict[str, Any], pattern: str) -> None:
    items = [vg_item(0, RELATION), vg_item(1, RELATION, **changes)]
    root = write_vg(tmp_path / "aro", RELATION, items)
    with pytest.raises(DataError, match=pattern):
        load_aro_vg(root, tmp_path / "cache", RELATION)


def test_vg_attribution_needs_two_attributes_and_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"visual_genome_attribution\.json"):
        load_aro_vg(tmp_path, tmp_path / "cache", ATTRIBUTION)
    root = write_vg(tmp_path / "aro", ATTRIBUTION, [vg_item(0, ATTRIBUTION, attributes=["x"])])
    with pytest.raises(DataError, match="item 0: field 'attributes'"):
        load_aro_vg(root, tmp_path / "cache", ATTRIBUTION)


def test_pre_caption_follows_aro() -> None:
    assert pre_caption('A "Big" dog; sits.  Here!') == "a big dog sits here"
    assert pre_caption(" ".join(["w"] * 40)) == " ".join(["w"] * 30)


def test_heuristic_tags_of_a_typical_caption() -> None:
    words = ["a", "young", "man's", "blue", "shirt", "is", "hanging", "near", "the", "old"]
    words.append("building")
    assert coarse_tags(words) == [
        "OTHER",
        "ADJ",
        "NOUN",
        "ADJ",
        "NOUN",
        "OTHER",
        "OTHER",
        "OTHER",
        "OTHER",
        "ADJ",
        "NOUN",
    ]


def test_perturbations_permute_the_right_words() -> None:
    caption = "a large brown dog standing on the side of a white wood fence"
    words, tags = RuleTagger().tag(caption)
    assert words == caption.split()
    out = perturb(caption, (words, tags), np.random.default_rng(3))
    assert len(out) == 4 and all(p != caption for p in out)
    nouns_adj, others, within, across = (p.split() for p in out)
    for p in (nouns_adj, others, within, across):
        assert Counter(p) == Counter(words)  # always a permutation of the same words
    # 1: only nouns and adjectives moved, each within its class
    for w, t, new in zip(words, tags, nouns_adj, strict=True):
        assert t in ("NN", "JJ") or new == w
        assert RuleTagger().tag(new)[1] == [t]
    # 2: nouns and adjectives stay in place
    assert all(new == w for w, t, new in zip(words, tags, others, strict=True) if t != "XX")
    # 3: every trigram keeps its words; 4: the trigrams are kept whole
    assert [Counter(t) for t in trigrams(within)] == [Counter(t) for t in trigrams(words)]
    assert _is_concatenation(across, trigrams(words))


def _is_concatenation(words: list[str], chunks: list[list[str]]) -> bool:
    """Whether ``words`` is the chunks, each used once, in some order."""
    if not chunks:
        return not words
    return any(
        words[: len(c)] == c and _is_concatenation(words[len(c) :], chunks[:i] + chunks[i + 1 :])
        for i, c in enumerate(chunks)
    )


def test_perturbations_are_deterministic_and_may_equal_the_caption() -> None:
    caption = "a man riding a wave on top of a surfboard"
    tagged = RuleTagger().tag(caption)
    first = perturb(caption, tagged, np.random.default_rng(0))
    assert first == perturb(caption, tagged, np.random.default_rng(0))
    assert (
        perturb("two red buses", RuleTagger().tag("two red buses"), np.random.default_rng(0))[0]
        == "two red buses"
    )  # one noun, one adjective: nothing to swap (ARO keeps it)
    assert perturb("a a a", RuleTagger().tag("a a a"), np.random.default_rng(0)) == ["a a a"] * 4


def _tiny_dataset(tmp_path: Path) -> ImageTextDataset:
    paths = [tmp_path / "1.jpg", tmp_path / "2.jpg"]
    return ImageTextDataset(
        name="coco-karpathy",
        split="test",
        image_ids=["1", "2"],
        image_paths=paths,
        caption_ids=["10", "11", "20"],
        captions=["A man riding a wave on top of a surfboard.", "a a", "A red bus on a street"],
        caption_image=np.asarray([0, 0, 1], dtype=np.int64),
        source="tiny",
    )


def test_order_set_builds_one_item_per_caption(tmp_path: Path) -> None:
    choices = order_choice_set(_tiny_dataset(tmp_path), "aro-coco-order", RuleTagger())
    assert [e.item_id for e in choices.examples] == ["10", "20"]  # "a a" cannot be perturbed
    assert choices.meta["skipped"] == "1"
    assert choices.meta["tagger"] == RULES_ID and RULES_ID in choices.source
    first = choices.examples[0]
    assert first.true_caption == "a man riding a wave on top of a surfboard"
    assert 1 <= len(first.alternatives) <= 4 and first.true_caption not in first.alternatives
    assert first.cluster == first.image_id == "1"
    again = order_choice_set(_tiny_dataset(tmp_path), "aro-coco-order", RuleTagger())
    assert again.fingerprint == choices.fingerprint
    total = sum(len(e.alternatives) for e in choices.examples)
    assert int(choices.meta["identical_dropped"]) == 3 * 4 - total  # "a a" gave 4 of them


def test_order_set_tags_through_a_spacy_shaped_tagger(tmp_path: Path) -> None:
    from tests.data.test_pos_taggers import StubNlp

    nlp = StubNlp({"red": "NN", "bus": "NN", "street": "NN", "man": "NN", "wave": "NN"})
    spacy_like = order_choice_set(
        _tiny_dataset(tmp_path), "aro-coco-order", SpacyTagger(nlp, "spacy:stub")
    )
    assert nlp.piped == _tiny_dataset(tmp_path).captions  # the raw captions, once each
    assert spacy_like.meta["tagger"] == "spacy:stub" and "tagger spacy:stub" in spacy_like.source
    rules = order_choice_set(_tiny_dataset(tmp_path), "aro-coco-order", RuleTagger())
    assert spacy_like.fingerprint != rules.fingerprint  # other tags, other alternatives
