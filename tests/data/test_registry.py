"""Every dataset family is in the one registry; a new dataset module is all a new task needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from embedlab.data.pair_sets import PairSet
from embedlab.data.registry import DATASETS, KINDS, DatasetRequest, dataset_names, load_dataset
from embedlab.errors import ConfigError
from embedlab.tasks.base import TASKS


def test_every_kind_is_registered_and_every_dataset_has_a_task() -> None:
    kinds = {DATASETS.get(name).kind for name in dataset_names()}
    assert kinds == set(KINDS)
    for name in dataset_names():
        assert name in TASKS or DATASETS.get(name).kind == "class-folder", name
    assert set(dataset_names("image-text")) == {"captions", "coco-karpathy", "flickr30k", "shapes"}


def test_loading_checks_the_kind(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'shapes' is of kind image-text"):
        load_dataset(DatasetRequest("shapes", None, tmp_path), PairSet)


def test_a_new_dataset_module_becomes_a_retrieval_task(tmp_path: Path) -> None:
    """The module below is the whole change: registering it makes a task ``my-set`` runnable."""
    module = tmp_path / "my_set.py"
    module.write_text(
        textwrap.dedent("""
        from embedlab.data.captions import load_captions_file
        from embedlab.data.registry import DatasetRequest, register_dataset

        @register_dataset("my-set", "image-text", "a user's own captions file")
        def load(request: DatasetRequest):
            return load_captions_file(request.data_dir / "captions.jsonl", name="my-set")
    """)
    )
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(tmp_path)!r})
        import my_set  # the new dataset module
        from embedlab.config.run import RunConfig
        from embedlab.verbs.run import run
        from tests.fixtures.datasets import write_png
        root = {str(tmp_path / "data")!r}
        import pathlib
        root = pathlib.Path(root)
        for i in range(3):
            write_png(root / f"{{i}}.png", color=(80 * i, 0, 0))
        lines = [json.dumps({{"image": f"{{i}}.png", "captions": [f"c{{i}}"]}}) for i in range(3)]
        (root / "captions.jsonl").write_text("\\n".join(lines))
        log = run(RunConfig(models=["fake:8"], tasks=["my-set"], out=root / "out",
                            data_dir=root, cache_dir=root / "cache", progress=False))
        print(sorted({{m.metric for m in log.metrics}}), log.datasets[0].name)
    """)
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=root, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "'recall@1'" in result.stdout and "my-set" in result.stdout
