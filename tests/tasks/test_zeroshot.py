"""Task ``zeroshot``: hand-checked predictions, an independent recomputation, errors, engine run.

Images are solid-colour PNG files; a test model source ``table:<scenario>`` maps an image's colour
and a prompt's text to vectors chosen here, so every score is known in advance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import ConfigError, DataError
from embedlab.models.base import ModelSpec, Role, SourceDefaults
from embedlab.models.registry import MODEL_SOURCES
from embedlab.results.outcomes import read_outcomes, write_outcomes
from embedlab.scoring.classification import class_embeddings
from embedlab.tasks.base import TASKS, TaskContext, TaskResult
from embedlab.tasks.zeroshot import ZeroShotParams, make_zeroshot

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Scenario:
    """Vectors of the ``table`` model: by image colour and by prompt text."""

    images: dict[Colour, list[float]]
    texts: dict[str, list[float]]


SCENARIOS: dict[str, Scenario] = {}


@dataclass
class TableEncoder:
    spec: ModelSpec
    scenario: Scenario

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]:
        colours = [cast(Colour, im.getpixel((0, 0))) for im in images]
        return np.asarray([self.scenario.images[c] for c in colours], np.float32)

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> NDArray[np.float32]:
        return np.asarray([self.scenario.texts[t] for t in texts], np.float32)


class TableSource(SourceDefaults):
    def fingerprint(self, spec: ModelSpec) -> str:
        return f"table/{spec.ref}"

    def load(self, spec: ModelSpec) -> TableEncoder:
        return TableEncoder(spec, SCENARIOS[spec.ref])


if "table" not in MODEL_SOURCES:
    MODEL_SOURCES.register("table")(TableSource())


def write_dataset(root: Path, files: dict[str, Colour], templates: list[str] | None) -> Path:
    """``files``: relative path -> colour of the solid 4x4 image written there."""
    for relative, colour in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (4, 4), colour).save(root / relative)
    if templates is not None:
        (root / "templates.json").write_text(json.dumps(templates), encoding="utf-8")
    return root


def run_task(data_dir: Path, scenario: str, cache: Path, **options: object) -> TaskResult:
    chunk_mb = int(options.pop("chunk_mb", 32))  # type: ignore[call-overload]
    params = ZeroShotParams(data_dir=data_dir, **options)  # type: ignore[arg-type]
    task = make_zeroshot("zeroshot", params)
    provider = EmbeddingProvider(ModelSpec(source="table", ref=scenario), cache)
    return task.run(TaskContext(provider, cache, chunk_mb=chunk_mb))


def metric_map(result: TaskResult) -> dict[tuple[str, int | None], float]:
    return {(m.metric, m.k): m.value for m in result.metrics}


RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
HAND_TEMPLATES = ["a photo of a {c}.", "a drawing of a {c}."]
SCENARIOS["hand"] = Scenario(
    images={RED: [1, 0, 0], GREEN: [0, 1, 0], BLUE: [0, 0, 1]},
    texts={
        "a photo of a apple.": [2, 0, 0],  # unnormalised on purpose: normalised before the mean
        "a drawing of a apple.": [0, 1, 0],
        "a photo of a banana.": [0.8, 0, 0.6],
        "a drawing of a banana.": [0.8, 0, 0.6],
    },
)
HAND_FILES = {
    "apple/green.png": GREEN,
    "apple/red.png": RED,
    "banana/blue.png": BLUE,
    "banana/red.png": RED,
    "banana/red2.png": RED,
}


def test_template_averaging_by_hand() -> None:
    prompts = np.asarray(list(SCENARIOS["hand"].texts.values()), dtype=np.float32)
    classes = class_embeddings(prompts, n_classes=2, n_templates=2)
    # apple: mean of (1,0,0) and (0,1,0) = (.5,.5,0), renormalised; banana: its one direction
    np.testing.assert_allclose(classes, [[0.5**0.5, 0.5**0.5, 0], [0.8, 0, 0.6]], atol=1e-6)


def test_hand_checked_predictions_and_metrics(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d", HAND_FILES, HAND_TEMPLATES)
    result = run_task(data, "hand", tmp_path / "cache")
    # a red image scores .707 for apple and .8 for banana: the averaged apple class loses,
    # although the "photo" template alone would have picked apple (1.0 > .8)
    table = result.outcomes[0]
    assert table.protocol == "zeroshot"
    assert table.query_ids == list(HAND_FILES)
    assert table.cluster_ids == table.query_ids
    assert table.values["label"].tolist() == [0, 0, 1, 1, 1]
    assert table.values["predicted"].tolist() == [0, 1, 1, 1, 1]
    assert table.values["rank"].tolist() == [1, 2, 1, 1, 1]
    assert table.values["correct_top1"].tolist() == [1, 0, 1, 1, 1]
    assert "correct_top5" not in table.values  # 2 classes: top-5 undefined
    assert metric_map(result) == {("accuracy", 1): 0.8, ("mean_per_class_recall", None): 0.75}
    for metric in result.metrics:
        assert metric.protocol == "zeroshot" and metric.n == 5 and metric.clusters is None
        assert metric.per_query is not None
        assert math.isclose(float(metric.per_query.mean()), metric.value)


def test_records_classnames_templates_and_dataset(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d", HAND_FILES, HAND_TEMPLATES)
    result = run_task(data, "hand", tmp_path / "cache", split="val")
    prompts = result.outcomes[1]
    assert prompts.protocol == "zeroshot-prompts"
    assert prompts.query_ids == ["apple#0", "apple#1", "banana#0", "banana#1"]
    assert prompts.cluster_ids == ["apple", "apple", "banana", "banana"]
    assert prompts.values["classname"].tolist() == ["apple", "apple", "banana", "banana"]
    assert prompts.values["template"].tolist() == HAND_TEMPLATES * 2
    assert prompts.values["prompt"].tolist() == list(SCENARIOS["hand"].texts)
    info = result.dataset
    assert (info.name, info.split, info.n_images, info.n_captions) == ("imagefolder", "val", 5, 4)
    assert str(data / "templates.json") in info.source and "folder names" in info.source
    path = tmp_path / "outcomes.parquet"
    write_outcomes(path, result.outcomes)
    back = {o.protocol: o for o in read_outcomes(path)}
    assert back["zeroshot-prompts"].values["prompt"].tolist() == list(SCENARIOS["hand"].texts)
    assert back["zeroshot"].values["predicted"].tolist() == [0, 1, 1, 1, 1]


def _random_scenario(rng: np.random.Generator) -> tuple[dict[str, Colour], list[str]]:
    classes = ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]
    templates = ["one {c}", "two {c}", "three {}"]
    labels = np.concatenate([np.arange(7), rng.integers(0, 7, 23)])
    files = {f"{classes[k]}/img{i:02d}.png": (i * 8, 255 - i, 7) for i, k in enumerate(labels)}
    texts = [t.replace("{c}", c).replace("{}", c) for c in classes for t in templates]
    SCENARIOS["random"] = Scenario(
        images={colour: list(rng.standard_normal(6)) for colour in files.values()},
        texts={text: list(rng.standard_normal(6) * rng.uniform(0.5, 2)) for text in texts},
    )
    return files, templates


def _expected_by_loops(files: dict[str, Colour], templates: list[str]) -> dict[str, object]:
    """Recompute everything with explicit loops, independently of the package."""
    scenario = SCENARIOS["random"]
    classes = sorted({path.split("/")[0] for path in files})
    weights = []
    for c in classes:
        total = [0.0] * 6
        for t in templates:
            vector = scenario.texts[t.replace("{c}", c).replace("{}", c)]
            norm = math.sqrt(sum(x * x for x in vector))
            total = [a + x / norm for a, x in zip(total, vector, strict=True)]
        norm = math.sqrt(sum(x * x for x in total))
        weights.append([x / norm for x in total])
    predicted, top5, labels = [], [], []
    for path in sorted(files):
        label = classes.index(path.split("/")[0])
        image = scenario.images[files[path]]
        scores = [sum(a * b for a, b in zip(image, w, strict=True)) for w in weights]
        best = 0
        for k in range(len(classes)):
            if scores[k] > scores[best]:
                best = k
        beaten_by = sum(1 for s in scores if s > scores[label])
        predicted.append(best)
        top5.append(beaten_by < 5)
        labels.append(label)
    recalls = []
    for k in range(len(classes)):
        mine = [p == k for p, y in zip(predicted, labels, strict=True) if y == k]
        recalls.append(sum(mine) / len(mine))
    hits = sum(p == y for p, y in zip(predicted, labels, strict=True))
    return {
        "predicted": predicted,
        "accuracy1": hits / len(labels),
        "accuracy5": sum(top5) / len(labels),
        "balanced": sum(recalls) / len(recalls),
    }


def test_matches_an_independent_loop_computation(tmp_path: Path) -> None:
    files, templates = _random_scenario(np.random.default_rng(7))
    data = write_dataset(tmp_path / "d", files, templates)
    result = run_task(data, "random", tmp_path / "cache", chunk_mb=1)
    expected = _expected_by_loops(files, templates)
    values = metric_map(result)
    assert result.outcomes[0].values["predicted"].tolist() == expected["predicted"]
    assert values[("accuracy", 1)] == pytest.approx(expected["accuracy1"])
    assert values[("accuracy", 5)] == pytest.approx(expected["accuracy5"])
    assert values[("mean_per_class_recall", None)] == pytest.approx(expected["balanced"])
    assert values[("accuracy", 1)] != pytest.approx(expected["balanced"])  # unbalanced classes
    assert "correct_top5" in result.outcomes[0].values


def test_ties_go_to_the_lowest_class_index(tmp_path: Path) -> None:
    SCENARIOS["tie"] = Scenario(
        images={RED: [1, 0], GREEN: [0, 1]},
        texts={"a photo of a x.": [1, 0], "a photo of a y.": [1, 0], "a photo of a z.": [0, 1]},
    )
    files = {"x/a.png": RED, "y/a.png": RED, "z/a.png": GREEN}
    result = run_task(write_dataset(tmp_path / "d", files, None), "tie", tmp_path / "cache")
    values = result.outcomes[0].values
    assert values["predicted"].tolist() == [0, 0, 2]
    assert values["rank"].tolist() == [1, 2, 1]


def test_top5_reported_from_five_classes(tmp_path: Path) -> None:
    names = ["a", "b", "c", "d", "e"]
    SCENARIOS["five"] = Scenario(
        images={(i, i, i): [float(i == j) for j in range(5)] for i in range(5)},
        texts={
            f"a photo of a {n}.": [float(i == j) for j in range(5)] for i, n in enumerate(names)
        },
    )
    files = {f"{n}/x.png": (i, i, i) for i, n in enumerate(names)}
    data = write_dataset(tmp_path / "d", files, None)
    result = run_task(data, "five", tmp_path / "cache")
    assert metric_map(result)[("accuracy", 5)] == 1.0
    (data / "e" / "x.png").unlink()
    (data / "e").rmdir()
    result = run_task(data, "five", tmp_path / "cache")
    assert [(m.metric, m.k) for m in result.metrics] == [
        ("accuracy", 1),
        ("mean_per_class_recall", None),
    ]


def test_unreadable_image_is_named(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d", HAND_FILES, HAND_TEMPLATES)
    (data / "banana" / "broken.png").write_bytes(b"not a png at all")
    with pytest.raises(DataError, match=r"broken\.png.*cannot be read as an image"):
        run_task(data, "hand", tmp_path / "cache")


def test_registered_as_zeroshot() -> None:
    assert TASKS.get("zeroshot").build is make_zeroshot


def test_factory_checks_options(tmp_path: Path) -> None:
    make = make_zeroshot
    with pytest.raises(ConfigError, match="needs --data-dir"):
        make("zeroshot", ZeroShotParams())
    with pytest.raises(ConfigError, match="'t2i' is not a zeroshot protocol"):
        make("zeroshot", ZeroShotParams(data_dir=tmp_path, protocols=("t2i",)))


def test_engine_run_with_the_fake_model(tmp_path: Path) -> None:
    from embedlab.config.run import RunConfig
    from embedlab.verbs.run import run

    data = write_dataset(tmp_path / "d", HAND_FILES, HAND_TEMPLATES)
    config = RunConfig(
        models=["fake:8"],
        tasks=["zeroshot"],
        out=tmp_path / "out",
        data_dir=data,
        cache_dir=tmp_path / "cache",
        bootstrap=200,
        progress=False,
    )
    log = run(config)
    rows = {(r.metric, r.k): r for r in log.metrics}
    assert set(rows) == {("accuracy", 1), ("mean_per_class_recall", None)}
    for row in rows.values():
        assert row.ci_low is not None and row.ci_high is not None
        assert row.ci_low <= row.value <= row.ci_high
    per_image = ["correct_top1", "label", "predicted", "rank"]
    per_prompt = ["class_index", "classname", "prompt", "template"]
    assert log.outcomes[0].columns == sorted(per_image + per_prompt)
