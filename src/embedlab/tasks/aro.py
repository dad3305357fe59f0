"""ARO tasks (Yuksekgonul et al. 2023): correct when the true caption strictly beats the others.

* ``aro-vg-relation`` / ``aro-vg-attribution`` (``--data-dir``: the ARO files, see
  :mod:`embedlab.data.aro_vg`): the image cropped to the relation box against a true and a false
  caption. Rows (metric ``accuracy``): ``macro`` = mean accuracy over relation types (all of
  them) / attribute pairs (those with at least 25 items, as the official evaluation), and
  ``pooled`` = accuracy over all items.
* ``aro-coco-order`` / ``aro-flickr30k-order`` (``--data-dir`` and ``--hub-id`` as for
  ``coco-karpathy`` / ``flickr30k``): every Karpathy test caption against its four word-order
  perturbations (:mod:`embedlab.data.aro_order`). One row: protocol ``all``, metric ``accuracy``.

The official ARO code takes an argmax, so a tie counts as correct for the order tasks (the true
caption is option 0) and as wrong for VG (the true caption is option 1); embedlab always counts a
tie as wrong. The notebook that reproduces the paper's VG-Relation figure also leaves out a list
of relations it deems symmetric; ``macro`` here averages over every relation type.
"""

from __future__ import annotations

from dataclasses import dataclass

from embedlab.data.aro_order import order_choice_set
from embedlab.data.aro_vg import ATTRIBUTION, RELATION, load_aro_vg
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.errors import ConfigError
from embedlab.tasks._choices import ChoiceProtocol, check_choice_protocols, run_choices
from embedlab.tasks.base import TASKS, TaskContext, TaskOptions, TaskResult

ATTRIBUTION_MIN_COUNT = 25
VG_PROTOCOLS = ("macro", "pooled")
ORDER_PROTOCOLS = ("all",)
ORDER_SOURCES = {"aro-coco-order": "coco-karpathy", "aro-flickr30k-order": "flickr30k"}


@dataclass(frozen=True)
class VGTask:
    """VG-Relation or VG-Attribution (``part``)."""

    name: str
    part: str
    protocols: tuple[str, ...]

    def run(self, ctx: TaskContext) -> TaskResult:
        """Read the annotation file, crop the images (once), and score the items."""
        if ctx.options.data_dir is None:
            raise ConfigError(
                f"{self.name} needs --data-dir: the folder with visual_genome_relation.json, "
                "visual_genome_attribution.json and images/ from the ARO release"
            )
        choices = load_aro_vg(ctx.options.data_dir, ctx.options.cache_dir, self.part)
        min_count = ATTRIBUTION_MIN_COUNT if self.part == ATTRIBUTION else 1
        plan = {"macro": ChoiceProtocol.macro(min_count), "pooled": ChoiceProtocol.pooled()}
        return run_choices(ctx, choices, [plan[p] for p in self.protocols])


@dataclass(frozen=True)
class OrderTask:
    """COCO-Order or Flickr30k-Order, built from the retrieval dataset ``source``."""

    name: str
    source: str
    protocols: tuple[str, ...]

    def run(self, ctx: TaskContext) -> TaskResult:
        """Load the Karpathy split, perturb every caption, and score the items."""
        opts = ctx.options
        request = DatasetRequest(
            name=self.source,
            data_dir=opts.data_dir,
            cache_dir=opts.cache_dir,
            split=opts.split,
            hub_id=opts.hub_id,
        )
        data = load_dataset(request)
        choices = order_choice_set(data, self.name)
        protocols = [ChoiceProtocol.pooled("all")]
        return run_choices(ctx, choices, protocols, image_dataset=data.name)


def make_vg(task_name: str, options: TaskOptions) -> VGTask:
    """Factory of ``aro-vg-relation`` and ``aro-vg-attribution``."""
    part = RELATION if task_name == "aro-vg-relation" else ATTRIBUTION
    protocols = check_choice_protocols(options.protocols, VG_PROTOCOLS, task_name)
    return VGTask(task_name, part, protocols)


def make_order(task_name: str, options: TaskOptions) -> OrderTask:
    """Factory of ``aro-coco-order`` and ``aro-flickr30k-order``."""
    protocols = check_choice_protocols(options.protocols, ORDER_PROTOCOLS, task_name)
    return OrderTask(task_name, ORDER_SOURCES[task_name], protocols)


TASKS.register("aro-vg-relation")(make_vg)
TASKS.register("aro-vg-attribution")(make_vg)
for _name in ORDER_SOURCES:
    TASKS.register(_name)(make_order)
