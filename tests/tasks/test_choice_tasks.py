"""The sugarcrepe and ARO tasks: per-subset, macro and pooled accuracy from known similarities."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from embedlab.data.pos_taggers import RULES_ID
from embedlab.embedding.stub import StubEmbedder
from embedlab.errors import ConfigError
from embedlab.tasks.aro import OrderParams, RelationParams, VGParams, make_order, make_vg
from embedlab.tasks.aro_relations import OFFICIAL_EXCLUDED
from embedlab.tasks.base import TASKS
from embedlab.tasks.params import fill_params
from embedlab.tasks.sugarcrepe import SugarCrepeParams, make_sugarcrepe
from tests.data.test_aro_data import vg_item, write_vg
from tests.data.test_sugarcrepe_data import write_sugarcrepe
from tests.fixtures.datasets import coco_images, write_karpathy_coco
from tests.tasks.pair_stub import calls, context, pair_embedder

ONE = np.asarray([1.0, 0.0])


def scalar_texts(scores: dict[str, float]) -> StubEmbedder:
    """Every image is e0 and a caption's vector is (s, 0): s(caption, image) = s exactly."""
    return pair_embedder(
        lambda image_id: ONE,
        lambda text_id, text: np.asarray([scores[text], 0.0]),
    )


def test_sugarcrepe_subsets_macro_and_pooled(tmp_path: Path) -> None:
    root = write_sugarcrepe(tmp_path / "sc", subsets=("swap_obj", "swap_att"), per_subset=2)
    scores = {
        # swap_obj: 2/2 right; swap_att: item 0 a tie (wrong), item 1 wrong
        "swap_obj true 0": 0.9, "swap_obj false 0": 0.1,
        "swap_obj true 1": 0.6, "swap_obj false 1": 0.5,
        "swap_att true 0": 0.4, "swap_att false 0": 0.4,
        "swap_att true 1": 0.2, "swap_att false 1": 0.3,
    }  # fmt: skip
    protocols = ("swap_obj", "swap_att", "macro", "pooled")
    options = SugarCrepeParams(data_dir=root, protocols=protocols)
    result = make_sugarcrepe("sugarcrepe", options).run(context(scalar_texts(scores), tmp_path))
    values = {m.protocol: (m.value, m.n) for m in result.metrics}
    assert values == {"swap_obj": (1.0, 2), "swap_att": (0.0, 2), "macro": (0.5, 4),
                      "pooled": (0.5, 4)}  # fmt: skip
    outcome = {o.protocol: o for o in result.outcomes}
    assert outcome["swap_att"].query_ids == ["swap_att/0", "swap_att/1"]
    assert outcome["swap_att"].values["correct"].tolist() == [0, 0]
    assert outcome["macro"].values["weight"].tolist() == [1.0] * 4
    assert outcome["pooled"].cluster_ids[:2] == ["000000000001.jpg", "000000000002.jpg"]
    assert all(m.metric == "accuracy" for m in result.metrics)


def test_sugarcrepe_needs_data_dir_and_known_protocols(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="valid: add_obj"):
        make_sugarcrepe("sugarcrepe", SugarCrepeParams(data_dir=tmp_path, protocols=("swap",)))
    task = make_sugarcrepe("sugarcrepe", SugarCrepeParams())
    assert task.subsets == ("add_obj", "add_att", "replace_obj", "replace_att", "replace_rel",
                            "swap_obj", "swap_att")  # fmt: skip
    with pytest.raises(ConfigError, match="needs --data-dir"):
        task.run(context(scalar_texts({}), tmp_path))


def test_sugarcrepe_matches_an_independent_computation(tmp_path: Path) -> None:
    root = write_sugarcrepe(tmp_path / "sc", per_subset=2)
    rng = np.random.default_rng(5)
    vec: dict[str, np.ndarray] = {}

    def text(text_id: str, text: str) -> np.ndarray:
        return vec.setdefault(text, rng.integers(-2, 3, size=4).astype(np.float64))

    images = {f"0000000000{k:02d}.jpg": rng.integers(-2, 3, size=4).astype(float) for k in (1, 2)}
    stub = pair_embedder(images, text)
    result = make_sugarcrepe("sugarcrepe", SugarCrepeParams(data_dir=root)).run(
        context(stub, tmp_path)
    )
    pooled = next(o for o in result.outcomes if o.protocol == "pooled")
    expected = []
    for item in pooled.query_ids:
        subset, k = item.split("/")
        image = images[f"0000000000{int(k) + 1:02d}.jpg"]
        good = float(np.dot(vec[f"{subset} true {k}"], image))
        bad = float(np.dot(vec[f"{subset} false {k}"], image))
        expected.append(int(good > bad))
    assert pooled.values["correct"].tolist() == expected
    macro = next(m for m in result.metrics if m.protocol == "macro")
    per_subset = [m.value for m in result.metrics if m.protocol not in ("macro", "pooled")]
    assert macro.value == pytest.approx(np.mean(per_subset))


def test_vg_attribution_macro_keeps_groups_of_25(tmp_path: Path) -> None:
    # 26 items of white_black (all right), 2 items of red_blue (all wrong)
    items = [vg_item(i, "vg-attribution", attributes=["white", "black"]) for i in range(26)]
    items += [vg_item(26 + i, "vg-attribution", attributes=["red", "blue"]) for i in range(2)]
    root = write_vg(tmp_path / "aro", "vg-attribution", items)
    scores = {}
    for i, item in enumerate(items):
        right = i < 26
        scores[item["true_caption"]] = 0.8 if right else 0.2
        scores[item["false_caption"]] = 0.3
    result = make_vg("aro-vg-attribution", VGParams(data_dir=root)).run(
        context(scalar_texts(scores), tmp_path)
    )
    values = {m.protocol: (m.value, m.n) for m in result.metrics}
    assert values["macro"] == (1.0, 26)
    assert values["pooled"] == (pytest.approx(26 / 28), 28)
    assert result.dataset.name == "aro-vg-attribution"
    assert result.notes == ["macro over attribute pairs with at least 25 items"]


def test_vg_relation_macro_over_every_relation(tmp_path: Path) -> None:
    items = [vg_item(i, "vg-relation") for i in range(3)]  # relations: on, eating, eating
    root = write_vg(tmp_path / "aro", "vg-relation", items)
    scores = {it["true_caption"]: 0.5 for it in items}
    scores.update({it["false_caption"]: 0.4 for it in items})
    scores[items[1]["true_caption"]] = 0.1  # one "eating" item wrong
    result = make_vg("aro-vg-relation", VGParams(data_dir=root)).run(
        context(scalar_texts(scores), tmp_path)
    )
    values = {m.protocol: m.value for m in result.metrics}
    assert values["macro"] == pytest.approx((1.0 + 0.5) / 2)
    assert values["pooled"] == pytest.approx(2 / 3)
    with pytest.raises(ConfigError, match="needs --data-dir"):
        make_vg("aro-vg-relation", VGParams(data_dir=None)).run(
            context(scalar_texts(scores), tmp_path)
        )


def test_coco_order_uses_the_karpathy_loader_and_shares_image_embeddings(tmp_path: Path) -> None:
    images = coco_images()
    for entry in images:
        for k, sentence in enumerate(entry["sentences"]):
            sentence["raw"] = f"A large brown dog number {k} on the side of a white fence."
    root = write_karpathy_coco(tmp_path / "coco", images)

    def text(text_id: str, t: str) -> np.ndarray:
        return np.asarray([1.0 if text_id.endswith("#true") else 0.5, 0.0])

    stub = pair_embedder(lambda image_id: ONE, text)
    result = make_order("aro-coco-order", OrderParams(data_dir=root)).run(context(stub, tmp_path))
    (metric,) = result.metrics
    assert (metric.protocol, metric.metric, metric.value) == ("all", "accuracy", 1.0)
    n_test_captions = sum(len(e["sentences"]) for e in images if e["split"] == "test")
    assert metric.n == n_test_captions
    assert calls(stub)[0] == ("images", "coco-karpathy", 3)
    assert calls(stub)[1] == ("texts", "aro-coco-order", 5 * n_test_captions)
    assert len(set(result.outcomes[0].cluster_ids)) == 3
    with pytest.raises(ConfigError):
        make_order("aro-coco-order", OrderParams(data_dir=root, protocols=("macro",)))


def test_vg_relation_official_filter_leaves_out_symmetric_relations(tmp_path: Path) -> None:
    relations = ["on", "on", "next to", "next to", "holding"]  # "next to" is in ARO's list
    items = [vg_item(i, "vg-relation", relation_name=r) for i, r in enumerate(relations)]
    root = write_vg(tmp_path / "aro", "vg-relation", items)
    scores = {it["true_caption"]: 0.5 for it in items}
    scores.update({it["false_caption"]: 0.4 for it in items})
    for wrong in (1, 2, 3):  # "on": 1 of 2 right, "next to": 0 of 2, "holding": 1 of 1
        scores[items[wrong]["true_caption"]] = 0.1
    definition = TASKS.get("aro-vg-relation")
    official = fill_params(definition, {"data_dir": root}, {})
    every = fill_params(definition, {"data_dir": root}, {"relations": "all"})
    assert isinstance(official, RelationParams) and official.relations == "official"
    results = {
        p.relations: definition.build("aro-vg-relation", p).run(
            context(scalar_texts(scores), tmp_path)
        )
        for p in (official, every)
        if isinstance(p, RelationParams)
    }
    values = {k: {m.protocol: (m.value, m.n) for m in r.metrics} for k, r in results.items()}
    assert values["official"]["macro"] == (pytest.approx((0.5 + 1.0) / 2), 3)
    assert values["all"]["macro"] == (pytest.approx((0.5 + 0.0 + 1.0) / 3), 5)
    assert values["official"]["pooled"] == values["all"]["pooled"] == (pytest.approx(2 / 5), 5)
    (note,) = results["official"].notes
    assert "macro over 2 of 3 relation types" in note and "left out 1 symmetric" in note
    assert "81fdd20dc5b6f434aa5a4a971717bc80d1cedb0d" in note
    assert results["all"].notes == ["macro over all 3 relation types (-T relations=all)"]
    with pytest.raises(ConfigError, match="-T relations"):
        fill_params(definition, {}, {"relations": "symmetric"})


def test_the_official_relation_list() -> None:
    assert len(OFFICIAL_EXCLUDED) == 157
    assert {"next to", "on the side of", "around", "adjusting", "wrapped in"} <= OFFICIAL_EXCLUDED
    assert not {"on", "holding", "eating", "sitting on", "above"} & OFFICIAL_EXCLUDED


def test_order_tagger_is_resolved_into_the_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = OrderParams()
    assert rules.tagger == RULES_ID  # no spaCy in the test environment: the fallback
    versions = {"spacy": "3.8.18", "en_core_web_sm": "3.8.0"}
    monkeypatch.setattr(metadata, "version", lambda name: versions[name])
    spacy = OrderParams()
    assert spacy.tagger == "spacy:en_core_web_sm-3.8.0 (spacy 3.8.18)"
    assert OrderParams(tagger="rules").tagger == RULES_ID
    assert rules.model_dump(mode="json") != spacy.model_dump(mode="json")  # the part key's input


def test_order_notes_name_the_tagger(tmp_path: Path) -> None:
    images = coco_images()
    root = write_karpathy_coco(tmp_path / "coco", images)
    stub = pair_embedder(lambda image_id: ONE, lambda text_id, t: np.asarray([1.0, 0.0]))
    result = make_order("aro-coco-order", OrderParams(data_dir=root, tagger="rules")).run(
        context(stub, tmp_path)
    )
    (metric,) = result.metrics
    assert metric.value == 0.0  # every option ties with the true caption: strict, so wrong
    (note,) = result.notes
    assert note.startswith(f"perturbations tagged by {RULES_ID}; ")
