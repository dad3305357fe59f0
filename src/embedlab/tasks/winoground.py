"""Task ``winoground``: Winoground's text, image and group scores, overall and per tag.

Rows (see :mod:`embedlab.tasks._pairs`): protocol ``all`` and ``tag=Object`` / ``tag=Relation`` /
``tag=Both`` (the ``collapsed_tag`` of each item), metrics ``text_score``, ``image_score``,
``group_score``. Scoring follows the paper (Thrush et al. 2022) with strict comparisons, so a tie
is wrong; CLIP_benchmark and MIEB take an argmax, which counts ties as correct. Data: ``--data-dir``
with ``examples.jsonl`` and ``images/`` (:mod:`embedlab.data.winoground`), else the gated Hub
dataset ``facebook/winoground`` (or ``--hub-id``). ``--protocol`` restricts the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embedlab.data.pair_sets import PairSet
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.tasks._pairs import check_pair_protocols, run_pairs
from embedlab.tasks.base import TaskContext, TaskParams, TaskResult, register_task

NAME = "winoground"
TAG_ORDER = ("Object", "Relation", "Both")


class WinogroundParams(TaskParams):
    """``data_dir`` (``examples.jsonl`` + ``images/``; None: the Hub), ``hub_id``, ``protocols``."""

    data_dir: Path | None = None
    hub_id: str | None = None
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class WinogroundTask:
    """Winoground on the data the parameters point to."""

    name: str
    params: WinogroundParams

    def run(self, ctx: TaskContext) -> TaskResult:
        """Load the 400 items, embed them once, and score them."""
        p = self.params
        request = DatasetRequest(NAME, p.data_dir, ctx.cache_dir, hub_id=p.hub_id)
        pairs = load_dataset(request, PairSet)
        return run_pairs(ctx, pairs, p.protocols, TAG_ORDER)


@register_task(
    NAME, WinogroundParams, "Winoground text/image/group scores, per tag (strict)", "pair-choice"
)
def make_winoground(task_name: str, params: WinogroundParams) -> WinogroundTask:
    """Checks ``--protocol`` names early."""
    check_pair_protocols(params.protocols, task_name)
    return WinogroundTask(task_name, params)
