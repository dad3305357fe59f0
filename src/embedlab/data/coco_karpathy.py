"""MS-COCO Karpathy split (5,000 test images, 25,010 captions) as dataset ``coco-karpathy``.

With ``--data-dir``: Karpathy's ``dataset_coco.json`` in that directory and the images at
``<data-dir>/<filepath>/<filename>`` (``val2014/COCO_val2014_….jpg``). Without it: the Hub dataset
``yerevann/coco-karpathy`` (one row per image, captions as raw strings, images by URL), whose
images are downloaded once into ``<cache-dir>/images/coco-karpathy``.
Image ids are the COCO ids (``cocoid``); caption ids are Karpathy's ``sentid``.
"""

from __future__ import annotations

from embedlab.data.hub import load_from_hub
from embedlab.data.karpathy import coco_image_id, load_karpathy
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.data.types import ImageTextDataset

NAME = "coco-karpathy"
JSON_NAME = "dataset_coco.json"
HUB_ID = "yerevann/coco-karpathy"


@register_dataset(NAME, "image-text", "COCO Karpathy 5k test split (--data-dir or the Hub)")
def load_coco_karpathy(request: DatasetRequest) -> ImageTextDataset:
    """Load a split of COCO Karpathy from ``request.data_dir``, or from the Hub when it is None."""
    if request.data_dir is None:
        return load_from_hub(request, default_hub_id=HUB_ID, image_id=coco_image_id)
    return load_karpathy(
        request.data_dir / JSON_NAME,
        name=request.name,
        split=request.split,
        image_root=request.data_dir,
        image_id=coco_image_id,
        missing_hint=(
            f"Put Karpathy's {JSON_NAME} (from caption_datasets.zip) in {request.data_dir} "
            "next to the val2014/ image folder, or omit --data-dir to use the Hugging Face Hub."
        ),
        meta={"format": "karpathy"},
    )
