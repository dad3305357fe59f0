"""What a suite needs before any work: each model's weights and each dataset, found or missing.

Weights: a preset's hub id (and pinned revision) or a ``SOURCE:REF``'s hub id / local folder;
``builtin:``, ``fake:`` and ``arch:`` models need nothing. A hub model counts as present when
its snapshot in the local Hugging Face cache holds a weights file (``*.safetensors``, ``*.bin``,
``*.pt``, ``*.pth``; broken links of an interrupted download do not count). The cache is
``$HF_HUB_CACHE``, else ``$HUGGINGFACE_HUB_CACHE``, else ``$HF_HOME/hub``, else
``~/.cache/huggingface/hub``; nothing touches the network.

Datasets: each task's folder under the suite's ``--data-dir`` is ``<data-dir>/<dataset>/`` in
the layout of :data:`DATASETS` (the files checked are listed there), or, without
``--data-dir``, the copy a previous run made from the Hub in the cache folder. Generated sets
(``shapes``, ``shapes-pairs``, ``beir-synthetic``, ``docpages``) are always available.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from embedlab.models.presets import PRESETS, hub_ref

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
NOTHING_TO_DOWNLOAD = ("builtin", "fake", "arch")
GENERATED = ("shapes", "shapes-pairs", "beir-synthetic", "docpages")


@dataclass(frozen=True)
class DatasetNeed:
    """A dataset a task reads: its ``--data-dir`` layout, download size and items to encode."""

    name: str
    layout: str
    files: tuple[str, ...]
    size: str
    images: int | None = None
    texts: int | None = None
    hub_copy: str | None = None


DATASETS = {
    "coco-karpathy": DatasetNeed(
        "coco-karpathy",
        "<data-dir>/coco-karpathy/dataset_coco.json (Karpathy's caption_datasets.zip) + "
        "val2014/ (COCO 2014 val images)",
        ("dataset_coco.json", "val2014"),
        "6.2 GB (val2014.zip; the Hub copy of the 5,000 test images ≈ 0.8 GB)",
        5000,
        25010,
        "images/coco-karpathy",
    ),
    "winoground": DatasetNeed(
        "winoground",
        "<data-dir>/winoground/examples.jsonl + images/ (facebook/winoground data/images.zip "
        "extracted; gated: accept its terms on the Hub)",
        ("examples.jsonl", "images"),
        "≈ 0.4 GB (images.zip)",
        800,
        800,
        "winoground",
    ),
    "flickr30k": DatasetNeed(
        "flickr30k",
        "<data-dir>/flickr30k/dataset_flickr30k.json + flickr30k-images/",
        ("dataset_flickr30k.json",),
        "≈ 4.4 GB (flickr30k-images)",
        1000,
        5000,
        "images/flickr30k",
    ),
    "shapes": DatasetNeed("shapes", "generated offline", (), "0 (generated)", 200, 1000),
    "beir-synthetic": DatasetNeed(
        "beir-synthetic", "generated offline", (), "0 (generated)", 0, 184 + 122
    ),
}


@dataclass(frozen=True)
class Weights:
    """Where a model's weights come from and whether they are here.

    ``hub_id`` is None for a local folder (``path``) or a model that needs no download.
    """

    model: str
    hub_id: str | None
    revision: str | None
    path: Path | None
    size_gb: float | None
    present: bool

    @property
    def needed(self) -> bool:
        return self.hub_id is not None or self.path is not None


def hub_cache() -> Path:
    """The Hugging Face hub cache folder (see the module docstring for the variables)."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if value := os.environ.get(name):
            return Path(value).expanduser()
    home = os.environ.get("HF_HOME") or str(Path.home() / ".cache" / "huggingface")
    return Path(home).expanduser() / "hub"


def in_hub_cache(hub_id: str, revision: str | None = None, cache: Path | None = None) -> bool:
    """The model ``hub_id`` (at ``revision``, else ``main``, else any snapshot) has weights in
    the local cache."""
    folder = (cache or hub_cache()) / f"models--{hub_id.replace('/', '--')}"
    snapshots = folder / "snapshots"
    if not snapshots.is_dir():
        return False
    ref = folder / "refs" / (revision or "main")
    names = [revision] if revision else []
    if ref.is_file():
        names.append(ref.read_text(encoding="utf-8").strip())
    candidates = [snapshots / n for n in names] if names else sorted(snapshots.iterdir())
    if not names and not candidates:
        return False
    return any(_has_weights(c) for c in candidates if c.is_dir())


def _has_weights(snapshot: Path) -> bool:
    return any(p.suffix in WEIGHT_SUFFIXES and p.exists() for p in snapshot.rglob("*"))


def weights_of(model: str, cache: Path | None = None) -> Weights:
    """The weights ``model`` (a preset name or ``SOURCE:REF``) needs, and whether they are here."""
    name = model.partition("?")[0]
    bare = name.removeprefix("preset:")
    preset = PRESETS.get(bare.casefold()) if ":" not in bare else None
    if preset is not None:
        size = None if preset.facts is None else preset.facts.weights_gb
        found = in_hub_cache(preset.hub_id, preset.revision, cache)
        return Weights(model, preset.hub_id, preset.revision, None, size, found)
    source, _, ref = name.partition(":")
    if source in NOTHING_TO_DOWNLOAD or not ref:
        return Weights(model, None, None, None, 0.0, True)
    ref = ref.removeprefix("hf-hub:")
    local = Path(ref).expanduser()
    if local.exists() or ref.startswith((".", "/", "~")):
        return Weights(model, None, None, local, None, local.exists())
    if ref.count("/") != 1:  # e.g. an open_clip architecture/pretrained tag: not checkable
        return Weights(model, None, None, None, None, True)
    return Weights(model, ref, None, None, None, in_hub_cache(ref, None, cache))


def preset_hub_ref(model: str) -> str | None:
    """The loader ref of the preset ``model`` names (None when it names none)."""
    preset = PRESETS.get(model.partition("?")[0].removeprefix("preset:").casefold())
    return None if preset is None else hub_ref(preset)


def dataset_folder(task: str, data_dir: Path | None) -> Path | None:
    """``<data-dir>/<dataset>/`` for a task that reads a dataset from disk; None for generated
    sets or without ``--data-dir``."""
    if data_dir is None or task in GENERATED:
        return None
    return data_dir / task


def dataset_present(task: str, folder: Path | None, cache_dir: Path) -> bool:
    """The task's data is on disk: the files of :data:`DATASETS` in ``folder``, or (no folder)
    the Hub copy in ``cache_dir``; generated sets always are."""
    if task in GENERATED:
        return True
    need = DATASETS.get(task)
    if folder is not None:
        files = need.files if need is not None else ()
        return folder.is_dir() and all((folder / f).exists() for f in files)
    if need is None or need.hub_copy is None:
        return False
    copy = cache_dir / need.hub_copy
    return copy.is_dir() and any(copy.iterdir())
