"""Task ``shapes-pairs``: Winoground-style scores on pairs rendered from the synthetic shapes.

Runs offline in seconds. Rows: protocol ``all``, ``tag=colour-swap`` and ``tag=relation-swap``;
metrics ``text_score``, ``image_score``, ``group_score`` (strict comparisons, as Winoground).
Data: the shapes set in ``--data-dir`` (``dataset_shapes.json``) or the default generated set;
the pair images are rendered into the cache (:mod:`embedlab.data.shapes_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embedlab.data.pair_sets import PairSet
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.data.shapes_pairs import NAME, TAGS
from embedlab.tasks._pairs import check_pair_protocols, run_pairs
from embedlab.tasks.base import TaskContext, TaskParams, TaskResult, register_task


class ShapesPairsParams(TaskParams):
    """``data_dir`` (a shapes set; None: the generated default) and ``protocols``."""

    data_dir: Path | None = None
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShapesPairsTask:
    """Colour-swap and relation-swap pairs of the shapes scenes."""

    name: str
    params: ShapesPairsParams

    def run(self, ctx: TaskContext) -> TaskResult:
        """Build (or reuse) the pairs, embed them once, and score them."""
        request = DatasetRequest(NAME, self.params.data_dir, ctx.cache_dir)
        pairs = load_dataset(request, PairSet)
        return run_pairs(ctx, pairs, self.params.protocols, TAGS)


@register_task(
    NAME, ShapesPairsParams, "Winoground-style scores on synthetic shape pairs", "pair-choice"
)
def make_shapes_pairs(task_name: str, params: ShapesPairsParams) -> ShapesPairsTask:
    """Checks ``--protocol`` names early."""
    check_pair_protocols(params.protocols, task_name)
    return ShapesPairsTask(task_name, params)
