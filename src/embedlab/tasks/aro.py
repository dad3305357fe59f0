"""ARO tasks (Yuksekgonul et al. 2023): correct when the true caption strictly beats the others.

* ``aro-vg-relation`` / ``aro-vg-attribution`` (``--data-dir``: the ARO files, see
  :mod:`embedlab.data.aro_vg`): the image cropped to the relation box against a true and a false
  caption. Rows (metric ``accuracy``): ``macro`` = mean of the per-group accuracies and
  ``pooled`` = accuracy over all items. VG-Relation groups are relation types; by default
  (``-T relations=official``) the 157 relations ARO's own evaluation deems symmetric are left
  out of ``macro``, as the paper's figure (:mod:`embedlab.tasks.aro_relations`);
  ``-T relations=all`` averages over every relation type. VG-Attribution groups are attribute
  pairs with at least 25 items (``VG_Attribution.evaluate_scores``).
* ``aro-coco-order`` / ``aro-flickr30k-order`` (``--data-dir`` and ``--hub-id`` as for
  ``coco-karpathy`` / ``flickr30k``): every Karpathy test caption against its four word-order
  perturbations (:mod:`embedlab.data.aro_order`). One row: protocol ``all``, metric ``accuracy``.
  ``-T tagger=auto|spacy|rules`` picks the part-of-speech tagger
  (:mod:`embedlab.data.pos_taggers`); the parameter holds the resolved identity, versions
  included, so a part made with another tagger is never reused.

Each part's notes record the variant used. The official ARO code takes an argmax, so a tie
counts as correct for the order tasks (the true caption is option 0) and as wrong for VG (the
true caption is option 1); embedlab always counts a tie as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from embedlab.data.aro_order import ORDER_SOURCES
from embedlab.data.aro_vg import ATTRIBUTION
from embedlab.data.pair_sets import ChoiceSet
from embedlab.data.pos_taggers import resolve_tagger
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.tasks._choices import ChoiceProtocol, check_choice_protocols, run_choices
from embedlab.tasks.aro_relations import OFFICIAL_EXCLUDED, SOURCE
from embedlab.tasks.base import TaskContext, TaskParams, TaskResult, register_task

ATTRIBUTION_MIN_COUNT = 25
VG_PROTOCOLS = ("macro", "pooled")
ORDER_PROTOCOLS = ("all",)


class VGParams(TaskParams):
    """``data_dir`` (the ARO release files and ``images/``) and ``protocols``."""

    data_dir: Path | None = None
    protocols: tuple[str, ...] = ()


class RelationParams(VGParams):
    """VG-Relation adds ``relations``: ``official`` (ARO's symmetric relations left out of
    ``macro``) or ``all``."""

    relations: Literal["official", "all"] = "official"


class OrderParams(TaskParams):
    """As for the Karpathy retrieval set it is built from: ``data_dir``, ``split``, ``hub_id``;
    ``tagger``: ``auto``, ``spacy`` or ``rules``, held as the resolved identity."""

    data_dir: Path | None = None
    split: str = "test"
    hub_id: str | None = None
    protocols: tuple[str, ...] = ()
    tagger: str = Field(default="auto", validate_default=True)

    @field_validator("tagger")
    @classmethod
    def _resolve(cls, value: str) -> str:
        return resolve_tagger(value)


@dataclass(frozen=True)
class VGTask:
    """VG-Relation or VG-Attribution (the dataset of the same name)."""

    name: str
    params: VGParams

    def run(self, ctx: TaskContext) -> TaskResult:
        """Read the annotation file, crop the images (once), and score the items."""
        choices = load_dataset(DatasetRequest(self.name, self.params.data_dir, ctx.cache_dir),
                               ChoiceSet)  # fmt: skip
        protocols = self.params.protocols or VG_PROTOCOLS
        macro, note = self._macro(choices)
        plan = {"macro": macro, "pooled": ChoiceProtocol.pooled()}
        result = run_choices(ctx, choices, [plan[p] for p in protocols])
        notes = [note] if "macro" in protocols else []
        return replace(result, notes=[*result.notes, *notes])

    def _macro(self, choices: ChoiceSet) -> tuple[ChoiceProtocol, str]:
        """The macro protocol of this part and the note saying how it was formed."""
        if self.name.endswith(ATTRIBUTION):
            note = f"macro over attribute pairs with at least {ATTRIBUTION_MIN_COUNT} items"
            return ChoiceProtocol.macro(ATTRIBUTION_MIN_COUNT), note
        params = self.params
        official = not isinstance(params, RelationParams) or params.relations == "official"
        excluded = OFFICIAL_EXCLUDED if official else frozenset()
        return ChoiceProtocol.macro(exclude=excluded), _relation_note(choices, official)


def _relation_note(choices: ChoiceSet, official: bool) -> str:
    groups = {e.group for e in choices.examples}
    if not official:
        return f"macro over all {len(groups)} relation types (-T relations=all)"
    left_out = len(groups & OFFICIAL_EXCLUDED)
    return (
        f"macro over {len(groups) - left_out} of {len(groups)} relation types: the official "
        f"filter (-T relations=official) left out {left_out} symmetric ones ({SOURCE})"
    )


@dataclass(frozen=True)
class OrderTask:
    """COCO-Order or Flickr30k-Order, built from its retrieval dataset's test captions."""

    name: str
    params: OrderParams

    def run(self, ctx: TaskContext) -> TaskResult:
        """Load the Karpathy split, perturb every caption, and score the items."""
        p = self.params
        options = {"tagger": p.tagger}
        request = DatasetRequest(self.name, p.data_dir, ctx.cache_dir, p.split, p.hub_id, options)
        choices = load_dataset(request, ChoiceSet)
        protocols = [ChoiceProtocol.pooled("all")]
        result = run_choices(ctx, choices, protocols, image_dataset=ORDER_SOURCES[self.name])
        meta = choices.meta
        note = (
            f"perturbations tagged by {meta['tagger']}; {meta['identical_dropped']} "
            f"alternatives equal to their caption left out, {meta['skipped']} captions skipped"
        )
        return replace(result, notes=[*result.notes, note])


def make_vg(task_name: str, params: VGParams) -> VGTask:
    """Factory of ``aro-vg-relation`` and ``aro-vg-attribution``."""
    check_choice_protocols(params.protocols, VG_PROTOCOLS, task_name)
    return VGTask(task_name, params)


def make_order(task_name: str, params: OrderParams) -> OrderTask:
    """Factory of ``aro-coco-order`` and ``aro-flickr30k-order``."""
    check_choice_protocols(params.protocols, ORDER_PROTOCOLS, task_name)
    return OrderTask(task_name, params)


register_task(
    "aro-vg-relation",
    RelationParams,
    "ARO VG-Relation accuracy, macro over relations (official filter)",
    "pair-choice",
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
