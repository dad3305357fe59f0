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

from embedlab.data.sugarcrepe import NAME, SUBSETS, load_sugarcrepe
from embedlab.errors import ConfigError
from embedlab.tasks._choices import ChoiceProtocol, check_choice_protocols, run_choices
from embedlab.tasks.base import TASKS, TaskContext, TaskOptions, TaskResult

AGGREGATES = ("macro", "pooled")


@dataclass(frozen=True)
class SugarCrepeTask:
    """SugarCrepe on the subsets the protocols name (all seven by default)."""

    name: str
    protocols: tuple[str, ...]

    @property
    def subsets(self) -> tuple[str, ...]:
        """The subset files to load: those named, or all when only aggregates are named."""
        named = tuple(s for s in SUBSETS if s in self.protocols)
        return named or SUBSETS

    def run(self, ctx: TaskContext) -> TaskResult:
        """Load the subsets, embed every image and caption once, and score the items."""
        if ctx.options.data_dir is None:
            raise ConfigError(
                "sugarcrepe needs --data-dir: a folder with the seven <subset>.json files of the "
                "SugarCrepe repository and the COCO 2017 validation images in val2017/"
            )
        choices = load_sugarcrepe(ctx.options.data_dir, self.subsets)
        protocols = [_protocol(name) for name in self.protocols]
        return run_choices(ctx, choices, protocols)


def _protocol(name: str) -> ChoiceProtocol:
    if name == "macro":
        return ChoiceProtocol.macro()
    if name == "pooled":
        return ChoiceProtocol.pooled()
    return ChoiceProtocol.of_group(name)


def make_sugarcrepe(task_name: str, options: TaskOptions) -> SugarCrepeTask:
    """Factory registered as ``sugarcrepe``; checks ``--protocol`` names early."""
    valid = (*SUBSETS, *AGGREGATES)
    return SugarCrepeTask(task_name, check_choice_protocols(options.protocols, valid, task_name))


TASKS.register(NAME)(make_sugarcrepe)
