"""On identical inputs (same open_clip folder, images, captions; fp32) embedlab's ``t2i`` and
``i2t`` recall@K equal CLIP_benchmark's ``image_retrieval_recall@K`` / ``text_retrieval_recall@K``
computed by CLIP_benchmark's own evaluation loop (its model call, tokenizer and scoring)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embedlab.config.run import RunConfig
from embedlab.data.images import load_image
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.data.types import ImageTextDataset
from embedlab.verbs.run import run

pytest.importorskip("clip_benchmark", reason="CLIP_benchmark comes with the [dev] extra")


def _clip_benchmark_metrics(model_dir: Path, shapes_dir: Path, cache: Path) -> dict[str, float]:
    import open_clip
    import torch
    from clip_benchmark.metrics import zeroshot_retrieval

    model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{model_dir}")
    tokenizer = open_clip.get_tokenizer(f"local-dir:{model_dir}")
    model.eval()
    data = load_dataset(DatasetRequest("shapes", shapes_dir, cache), ImageTextDataset)
    captions: list[list[str]] = [[] for _ in data.image_ids]
    for text, image in zip(data.captions, data.caption_image, strict=True):
        captions[int(image)].append(text)

    class Pairs(torch.utils.data.Dataset[Any]):
        def __len__(self) -> int:
            return data.n_images

        def __getitem__(self, i: int) -> tuple[Any, list[str]]:
            return preprocess(load_image(data.image_paths[i])), captions[i]

    def collate(batch: list[tuple[Any, list[str]]]) -> tuple[Any, list[list[str]]]:
        return torch.stack([b[0] for b in batch]), [b[1] for b in batch]

    loader = torch.utils.data.DataLoader(Pairs(), batch_size=7, collate_fn=collate)
    result: dict[str, float] = zeroshot_retrieval.evaluate(
        model, loader, tokenizer, "cpu", amp=False, recall_k_list=[1, 5, 10]
    )
    return result


def test_t2i_i2t_equal_clip_benchmark(
    tmp_path: Path, shapes_dir: Path, tiny_open_clip_dir: Path
) -> None:
    config = RunConfig(
        models=[f"open_clip:local-dir:{tiny_open_clip_dir}"],
        tasks=["shapes"],
        data_dir=shapes_dir,
        out=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        precision="fp32",
        protocols=["t2i", "i2t"],
        bootstrap=0,
        progress=False,
    )
    ours = {(r.protocol, r.metric): r.value for r in run(config).metrics}
    theirs = _clip_benchmark_metrics(tiny_open_clip_dir, shapes_dir, tmp_path / "cache")
    for k in (1, 5, 10):
        assert ours[("t2i", f"recall@{k}")] == pytest.approx(
            theirs[f"image_retrieval_recall@{k}"], abs=1e-6
        )
        assert ours[("i2t", f"recall@{k}")] == pytest.approx(
            theirs[f"text_retrieval_recall@{k}"], abs=1e-6
        )
    # a random tiny model is far from perfect, so the comparison is not vacuous
    assert ours[("t2i", "recall@1")] < 0.9
