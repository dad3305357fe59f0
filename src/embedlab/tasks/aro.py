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
from pathlib import Path

from embedlab.data.aro_order import ORDER_SOURCES
from embedlab.data.aro_vg import ATTRIBUTION
from embedlab.data.pair_sets import ChoiceSet
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.tasks._choices import ChoiceProtocol, check_choice_protocols, run_choices
from embedlab.tasks.base import TaskContext, TaskParams, TaskResult, register_task

ATTRIBUTION_MIN_COUNT = 25
VG_PROTOCOLS = ("macro", "pooled")
ORDER_PROTOCOLS = ("all",)


class VGParams(TaskParams):
    """``data_dir`` (the ARO release files and ``images/``) and ``protocols``."""

    data_dir: Path | None = None
    protocols: tuple[str, ...] = ()


class OrderParams(TaskParams):
    """As for the Karpathy retrieval set it is built from: ``data_dir``, ``split``, ``hub_id``."""

    data_dir: Path | None = None
    split: str = "test"
    hub_id: str | None = None
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class VGTask:
    """VG-Relation or VG-Attribution (the dataset of the same name)."""

    name: str
    params: VGParams

    def run(self, ctx: TaskContext) -> TaskResult:
        """Read the annotation file, crop the images (once), and score the items."""
        choices = load_dataset(DatasetRequest(self.name, self.params.data_dir, ctx.cache_dir),
                               ChoiceSet)  # fmt: skip
        min_count = ATTRIBUTION_MIN_COUNT if self.name.endswith(ATTRIBUTION) else 1
        plan = {"macro": ChoiceProtocol.macro(min_count), "pooled": ChoiceProtocol.pooled()}
        protocols = self.params.protocols or VG_PROTOCOLS
        return run_choices(ctx, choices, [plan[p] for p in protocols])


@dataclass(frozen=True)
class OrderTask:
    """COCO-Order or Flickr30k-Order, built from its retrieval dataset's test captions."""

    name: str
    params: OrderParams

    def run(self, ctx: TaskContext) -> TaskResult:
        """Load the Karpathy split, perturb every caption, and score the items."""
        p = self.params
        request = DatasetRequest(self.name, p.data_dir, ctx.cache_dir, p.split, p.hub_id)
        choices = load_dataset(request, ChoiceSet)
        protocols = [ChoiceProtocol.pooled("all")]
        return run_choices(ctx, choices, protocols, image_dataset=ORDER_SOURCES[self.name])


def make_vg(task_name: str, params: VGParams) -> VGTask:
    """Factory of ``aro-vg-relation`` and ``aro-vg-attribution``."""
    check_choice_protocols(params.protocols, VG_PROTOCOLS, task_name)
    return VGTask(task_name, params)


def make_order(task_name: str, params: OrderParams) -> OrderTask:
    """Factory of ``aro-coco-order`` and ``aro-flickr30k-order``."""
    check_choice_protocols(params.protocols, ORDER_PROTOCOLS, task_name)
    return OrderTask(task_name, params)


register_task(
    "aro-vg-relation", VGParams, "ARO VG-Relation accuracy, macro over relations", "pair-choice"
)(make_vg)
register_task(
    "aro-vg-attribution",
    VGParams,
    "ARO VG-Attribution accuracy, macro over pairs",
    "pair-choice",
)(make_vg)
for _name, _source in ORDER_SOURCES.items():
    register_task(
        _name, OrderParams, f"ARO word-order accuracy on {_source} captions", "pair-choice"
    )(make_order)
