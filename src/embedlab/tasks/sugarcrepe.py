"""Task ``sugarcrepe``: accuracy of ``s(caption, image) > s(negative_caption, image)`` (strict).

Rows (metric ``accuracy``): one protocol per subset (``add_obj``, ``add_att``, ``replace_obj``,
``replace_att``, ``replace_rel``, ``swap_obj``, ``swap_att``), ``macro`` = the mean of the subset
accuracies, and ``pooled`` = the accuracy over all items. ``--protocol`` restricts the rows; when
it names subsets, only those subset files are needed and ``macro``/``pooled`` (if also named) are
computed over them. Without ``--protocol`` all seven files are required (missing ones are an
error). Data layout: :mod:`embedlab.data.sugarcrepe`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embedlab.data.pair_sets import ChoiceSet
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.data.sugarcrepe import NAME, SUBSETS
from embedlab.tasks._choices import ChoiceProtocol, check_choice_protocols, run_choices
from embedlab.tasks.base import TaskContext, TaskParams, TaskResult, register_task

AGGREGATES = ("macro", "pooled")


class SugarCrepeParams(TaskParams):
    """``data_dir`` (the seven ``<subset>.json`` + ``val2017/``) and ``protocols``."""

    data_dir: Path | None = None
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class SugarCrepeTask:
    """SugarCrepe on the subsets the protocols name (all seven by default)."""

    name: str
    params: SugarCrepeParams

    @property
    def protocols(self) -> tuple[str, ...]:
        """The rows reported: those named, or every subset and both aggregates."""
        return self.params.protocols or (*SUBSETS, *AGGREGATES)

    @property
    def subsets(self) -> tuple[str, ...]:
        """The subset files to load: those named, or all when only aggregates are named."""
        named = tuple(s for s in SUBSETS if s in self.protocols)
        return named or SUBSETS

    def run(self, ctx: TaskContext) -> TaskResult:
        """Load the subsets, embed every image and caption once, and score the items."""
        request = DatasetRequest(
            NAME, self.params.data_dir, ctx.cache_dir, options={"subsets": self.subsets}
        )
        choices = load_dataset(request, ChoiceSet)
        return run_choices(ctx, choices, [_protocol(name) for name in self.protocols])


def _protocol(name: str) -> ChoiceProtocol:
    if name == "macro":
        return ChoiceProtocol.macro()
    if name == "pooled":
        return ChoiceProtocol.pooled()
    return ChoiceProtocol.of_group(name)


@register_task(
    NAME, SugarCrepeParams, "SugarCrepe accuracy per subset, macro and pooled", "pair-choice"
)
def make_sugarcrepe(task_name: str, params: SugarCrepeParams) -> SugarCrepeTask:
    """Checks ``--protocol`` names early."""
    check_choice_protocols(params.protocols, (*SUBSETS, *AGGREGATES), task_name)
    return SugarCrepeTask(task_name, params)
