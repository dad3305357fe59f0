"""Flickr30k Karpathy split (1,000 test images × 5 captions) as dataset ``flickr30k``.

With ``--data-dir``: Karpathy's ``dataset_flickr30k.json`` in that directory and the images at
``<data-dir>/<filepath>/<filename>`` (``filepath`` is usually absent, so ``<data-dir>/<filename>``).
Without it: the Hub dataset ``umaru97/flickr30k_train_val_test`` (Karpathy splits 29,000 / 1,014 /
1,000 as Hub splits train/val/test; columns ``image`` (embedded), ``caption`` (list of strings),
``sentids``, ``split``, ``img_id``, ``filename``), whose images are saved once into
``<cache-dir>/images/flickr30k``. ``nlphuji/flickr30k`` has the same columns but is built by a
loading script, which ``datasets`` >= 4 no longer runs.
Image ids are the file name stems (``1000092795``); caption ids are Karpathy's ``sentid``.
"""

from __future__ import annotations

from embedlab.data.hub import load_from_hub
from embedlab.data.karpathy import load_karpathy, stem_image_id
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.data.types import ImageTextDataset

NAME = "flickr30k"
JSON_NAME = "dataset_flickr30k.json"
HUB_ID = "umaru97/flickr30k_train_val_test"


@register_dataset(NAME, "image-text", "Flickr30k Karpathy 1k test split (--data-dir or the Hub)")
def load_flickr30k(request: DatasetRequest) -> ImageTextDataset:
    """Load a split of Flickr30k Karpathy from ``request.data_dir``, or from the Hub when None."""
    if request.data_dir is None:
        return load_from_hub(request, default_hub_id=HUB_ID, image_id=stem_image_id)
    return load_karpathy(
        request.data_dir / JSON_NAME,
        name=request.name,
        split=request.split,
        image_root=request.data_dir,
        image_id=stem_image_id,
        missing_hint=(
            f"Put Karpathy's {JSON_NAME} (from caption_datasets.zip) in {request.data_dir} "
            "next to the Flickr30k images, or omit --data-dir to use the Hugging Face Hub."
        ),
        meta={"format": "karpathy"},
    )
