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

from embedlab.data.winoground import load_winoground
from embedlab.tasks._pairs import check_pair_protocols, run_pairs
from embedlab.tasks.base import TASKS, TaskContext, TaskOptions, TaskResult

NAME = "winoground"
TAG_ORDER = ("Object", "Relation", "Both")


@dataclass(frozen=True)
class WinogroundTask:
    """Winoground on the data the options point to."""

    name: str
    protocols: tuple[str, ...]

    def run(self, ctx: TaskContext) -> TaskResult:
        """Load the 400 items, embed them once, and score them."""
        opts = ctx.options
        pairs = load_winoground(opts.data_dir, opts.cache_dir, opts.hub_id)
        return run_pairs(ctx, pairs, self.protocols, TAG_ORDER)


def make_winoground(task_name: str, options: TaskOptions) -> WinogroundTask:
    """Factory registered as ``winoground``; checks ``--protocol`` names early."""
    return WinogroundTask(task_name, check_pair_protocols(options.protocols, task_name))


TASKS.register(NAME)(make_winoground)
