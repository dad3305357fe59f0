"""Suite files: every key parsed as written, unknown keys and wrong types named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.config.suite import Suite, builtin_suites, load_suite
from embedlab.errors import ConfigError, UnknownNameError

EVERY_KEY = """
name = "every-key"
description = "all the keys"
out = "runs/x"
data_dir = "/data"
seed = 7
bootstrap = 50
confidence = 0.9
models = [
  "fake:8",
  {model = "arch:openai/clip-vit-base-patch16", runtime = "onnxruntime", precision = "int8", \
trust_remote_code = true, batch_size = 4, speed_batch_sizes = [1, 4]},
]

[[tasks]]
name = "shapes"
protocols = ["t2i", "i2t"]
params = {split = "test", data_dir = "/d"}
models = ["fake:8"]

[quality]
runtimes = ["torch", "openvino"]
precisions = ["fp32", "bf16"]
batch_size = 8
device = "cpu"
workers = 1

[speed]
enabled = true
models = ["fake:8"]
runtimes = ["torch"]
precisions = ["fp32"]
batch_sizes = [1, 2]
modalities = ["text"]
threads = [1]
warmup_seconds = 0.5
min_seconds = 0.25
min_iterations = 3
repeats = 2
parity = false
reuse = false

[report]
enabled = false
title = "T"
pareto_metric = "recall@1"
pareto_task = "shapes"
pareto_protocol = "t2i"
pareto_modality = "text"
"""

EXPECTED = {
    "name": "every-key",
    "description": "all the keys",
    "out": "runs/x",
    "data_dir": "/data",
    "seed": 7,
    "bootstrap": 50,
    "confidence": 0.9,
    "models": [
        {"model": "fake:8", "runtime": None, "precision": None, "trust_remote_code": False,
         "batch_size": None, "speed_batch_sizes": None},
        {"model": "arch:openai/clip-vit-base-patch16", "runtime": "onnxruntime",
         "precision": "int8", "trust_remote_code": True, "batch_size": 4,
         "speed_batch_sizes": [1, 4]},
    ],
    "tasks": [{"name": "shapes", "protocols": ["t2i", "i2t"],
               "params": {"split": "test", "data_dir": "/d"}, "models": ["fake:8"]}],
    "quality": {"runtimes": ["torch", "openvino"], "precisions": ["fp32", "bf16"],
                "batch_size": 8, "device": "cpu", "workers": 1},
    "speed": {"enabled": True, "models": ["fake:8"], "runtimes": ["torch"],
              "precisions": ["fp32"], "batch_sizes": [1, 2], "modalities": ["text"],
              "threads": [1], "warmup_seconds": 0.5, "min_seconds": 0.25, "min_iterations": 3,
              "repeats": 2, "parity": False, "reuse": False},
    "report": {"enabled": False, "title": "T", "pareto_metric": "recall@1",
               "pareto_task": "shapes", "pareto_protocol": "t2i", "pareto_modality": "text"},
}  # fmt: skip


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_key_is_read_as_written(tmp_path: Path) -> None:
    suite = load_suite(_write(tmp_path, EVERY_KEY))
    assert suite.model_dump(mode="json") == EXPECTED
    assert Suite.model_validate(suite.model_dump()) == suite  # and survives a round trip


def test_defaults_and_the_name_from_the_file(tmp_path: Path) -> None:
    suite = load_suite(_write(tmp_path, 'models = ["fake:8"]\ntasks = ["shapes"]\n'))
    assert suite.name == "suite" and suite.tasks[0].name == "shapes"
    assert suite.speed.batch_sizes == [1, 32] and suite.speed.reuse is True
    assert suite.quality.runtimes == ["torch"] and suite.bootstrap == 1000


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ('modles = ["fake:8"]\n', ["unknown key modles", "did you mean 'models'", "description"]),
        ('models = ["fake:8"]\n[speed]\nrepeat = 2\n',
         ["unknown key speed.repeat", "did you mean 'repeats'", "min_seconds"]),
        ('models = ["fake:8", {model = "fake:4", runtim = "torch"}]\n',
         ["unknown key models[1].runtim", "did you mean 'runtime'", "speed_batch_sizes"]),
        ('models = ["fake:8"]\n[[tasks]]\nname = "shapes"\nprotocol = ["t2i"]\n',
         ["unknown key tasks[0].protocol", "did you mean 'protocols'"]),
        ('models = ["fake:8"]\n[report]\ncolour = "red"\n',
         ["unknown key report.colour", "allowed here: enabled, title"]),
    ],
)  # fmt: skip
def test_an_unknown_key_is_named_with_its_path(
    tmp_path: Path, text: str, wanted: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for part in wanted:
        assert part in message


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ('models = ["fake:8"]\n[speed]\nrepeats = "three"\n',
         "speed.repeats: Input should be a valid integer"),
        ('models = ["fake:8"]\n[speed]\nbatch_sizes = 32\n',
         "speed.batch_sizes: Input should be a valid list"),
        ('models = [{model = "fake:8", precision = "fp64"}]\n',
         "models[0].precision: Value error, 'fp64' is not one of"),
        ('models = ["fake:8"]\nbootstrap = -1\n',
         "bootstrap: Input should be greater than or equal to 0"),
        ('models = []\n', "models: List should have at least 1 item"),
        ('name = "x"\n', "models is required"),
    ],
)  # fmt: skip
def test_a_wrong_type_names_the_key_and_what_was_expected(
    tmp_path: Path, text: str, wanted: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=None) as info:
        load_suite(path)
    assert str(info.value).startswith(f"{path}: ") and wanted in str(info.value)


def test_not_toml_and_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_suite(_write(tmp_path, "models = [\n"))
    with pytest.raises(UnknownNameError, match="did you mean 'seed-report'"):
        load_suite("seed-reprt")
    with pytest.raises(ConfigError, match="does not exist"):
        load_suite(tmp_path / "nope.toml")


SEED_SEVEN = [
    "dfn5b-clip-vit-h-14-378", "clip-vit-h-14-laion2b", "metaclip-h14-fullcc2.5b",
    "colpali-v1.3", "jina-clip-v1", "siglip-so400m-patch14-384", "clip-vit-l-14-336",
]  # fmt: skip
CROSS_RUNTIME_FIVE = [
    "embeddinggemma-300m", "qwen3-embedding-0.6b", "bge-m3", "siglip-base-patch16-224",
    "clip-vit-b-16",
]  # fmt: skip


def test_the_builtins_parse_and_name_only_known_presets_and_tasks() -> None:
    from embedlab.models.presets import PRESETS
    from embedlab.models.registry import MODEL_SOURCES
    from embedlab.tasks.base import TASKS

    assert builtin_suites() == ["default", "runtimes", "seed-report"]
    for name in builtin_suites():
        suite = load_suite(name)
        assert suite.name == name
        for entry in suite.models:
            source = entry.model.partition(":")[0]
            assert entry.model in PRESETS or (":" in entry.model and source in MODEL_SOURCES)
        for task in suite.tasks:
            assert task.name in TASKS
    seed = load_suite("seed-report")
    assert [m.model for m in seed.models] == SEED_SEVEN
    assert {t.name: t.protocols for t in seed.tasks} == {
        "coco-karpathy": ["t2i-first", "t2i", "i2t"], "winoground": []}  # fmt: skip
    assert seed.speed.precisions == ["bf16"] and seed.quality.precisions == ["bf16"]
    assert {m.model: m.batch_size for m in seed.models if m.batch_size} == {"colpali-v1.3": 4}
    # a built-in suite never trusts remote code itself: the user passes --trust-remote-code
    assert [m.model for m in seed.models if m.trust_remote_code] == []
    runtimes = load_suite("runtimes")
    assert [m.model for m in runtimes.models] == CROSS_RUNTIME_FIVE
    assert runtimes.speed.runtimes == ["torch", "onnxruntime", "openvino"]
    assert runtimes.speed.precisions == ["fp32", "bf16", "int8"] and runtimes.speed.parity
