"""Task ``shapes-pairs``: Winoground-style scores on pairs rendered from the synthetic shapes.

Runs offline in seconds. Rows: protocol ``all``, ``tag=colour-swap`` and ``tag=relation-swap``;
metrics ``text_score``, ``image_score``, ``group_score`` (strict comparisons, as Winoground).
Data: the shapes set in ``--data-dir`` (``dataset_shapes.json``) or the default generated set;
the pair images are rendered into the cache (:mod:`embedlab.data.shapes_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass

from embedlab.data.shapes_pairs import NAME, TAGS, load_shapes_pairs
from embedlab.tasks._pairs import check_pair_protocols, run_pairs
from embedlab.tasks.base import TASKS, TaskContext, TaskOptions, TaskResult


@dataclass(frozen=True)
class ShapesPairsTask:
    """Colour-swap and relation-swap pairs of the shapes scenes."""

    name: str
    protocols: tuple[str, ...]

    def run(self, ctx: TaskContext) -> TaskResult:
        """Build (or reuse) the pairs, embed them once, and score them."""
        pairs = load_shapes_pairs(ctx.options.data_dir, ctx.options.cache_dir)
        return run_pairs(ctx, pairs, self.protocols, TAGS)


def make_shapes_pairs(task_name: str, options: TaskOptions) -> ShapesPairsTask:
    """Factory registered as ``shapes-pairs``; checks ``--protocol`` names early."""
    return ShapesPairsTask(task_name, check_pair_protocols(options.protocols, task_name))


TASKS.register(NAME)(make_shapes_pairs)
