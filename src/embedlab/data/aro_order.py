"""ARO COCO-Order and Flickr30k-Order: every test caption against four word-order perturbations.

Built from the Karpathy test split loaded by the ``coco-karpathy`` / ``flickr30k`` dataset
loaders (same ``--data-dir`` layouts, or the Hub). As in ARO (``COCO_Order`` /
``Flickr30k_Order`` in ``dataset_zoo/aro_datasets.py``), every caption of every test image is
one item (COCO: 25,010, Flickr30k: 5,000); its true caption is :func:`pre_caption` of the raw
caption and its alternatives are the four perturbations of :mod:`embedlab.data.word_order`
(tokens and Penn tags from the tagger the request's ``options["tagger"]`` names,
:mod:`embedlab.data.pos_taggers`). Each caption's perturbations come from its own generator,
``numpy.random.default_rng([seed, sha256(caption id)])``, so they do not depend on which other
captions are loaded.

The original scores with an argmax that puts the true caption first, so an alternative equal to
the true caption (e.g. a caption with one noun and no adjective) is a tie it counts as correct;
embedlab's comparisons are strict, so such an alternative is left out instead (the same verdict
for that option) and counted in ``meta["identical_dropped"]``; a caption whose four
alternatives all equal it is skipped and counted in ``meta["skipped"]`` (the original counts it
correct). Items are resampled by image.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from embedlab.data.pair_sets import ChoiceExample, ChoiceSet
from embedlab.data.pos_taggers import PosTagger, load_tagger, resolve_tagger
from embedlab.data.registry import DatasetRequest, load_dataset, register_dataset
from embedlab.data.types import ImageTextDataset
from embedlab.data.word_order import perturb, pre_caption

ORDER_SEED = 0


def order_choice_set(
    data: ImageTextDataset, name: str, tagger: PosTagger, seed: int = ORDER_SEED
) -> ChoiceSet:
    """Turn each caption of ``data`` into a true-vs-perturbations item (see module docstring).

    Args:
        data: the Karpathy test split (or any image–caption set).
        name: name of the resulting set (``aro-coco-order``...).
        tagger: tokens and Penn tags of the raw captions (spaCy's, or the rules).
        seed: the fixed seed of the perturbations.
    """
    examples: list[ChoiceExample] = []
    skipped = dropped = 0
    tagged = tagger.tag_all(list(data.captions))
    for c, (caption_id, text) in enumerate(zip(data.caption_ids, data.captions, strict=True)):
        true = pre_caption(text)
        rng = np.random.default_rng([seed, _stable_int(caption_id)])
        options = perturb(text, tagged[c], rng)
        alternatives = tuple(a for a in options if a != true)
        dropped += len(options) - len(alternatives)
        if not alternatives:
            skipped += 1
            continue
        image = int(data.caption_image[c])
        examples.append(
            ChoiceExample(
                item_id=caption_id,
                image_id=data.image_ids[image],
                image_path=data.image_paths[image],
                true_caption=true,
                alternatives=alternatives,
                group="all",
                cluster=data.image_ids[image],
            )
        )
    meta = {
        "images_from": data.name,
        "seed": str(seed),
        "tagger": tagger.name,
        "skipped": str(skipped),
        "identical_dropped": str(dropped),
    }
    source = (
        f"{data.source} ({data.name}, split {data.split}; perturbation seed {seed}, "
        f"tagger {tagger.name})"
    )
    return ChoiceSet(name=name, split=data.split, source=source, examples=examples, meta=meta)


def _stable_int(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], 16)


#: Order datasets and the image–text dataset each is built from (its images are shared).
ORDER_SOURCES = {"aro-coco-order": "coco-karpathy", "aro-flickr30k-order": "flickr30k"}


def _order_loader(name: str) -> Callable[[DatasetRequest], ChoiceSet]:
    def load(request: DatasetRequest) -> ChoiceSet:
        source = replace(request, name=ORDER_SOURCES[name])
        tagger = load_tagger(resolve_tagger(str(request.options.get("tagger", "auto"))))
        return order_choice_set(load_dataset(source, ImageTextDataset), name, tagger)

    return load


for _name, _source in ORDER_SOURCES.items():
    register_dataset(
        _name, "choices", f"each {_source} test caption against 4 word-order perturbations"
    )(_order_loader(_name))
