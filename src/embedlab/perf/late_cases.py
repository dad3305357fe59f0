"""The MaxSim case a multi-vector model adds to a speed sweep (:mod:`embedlab.perf.multivector`).

Per model, the corpus is built once: ``N = --maxsim-docs`` documents of ``Td`` tokens and one
query of ``Tq`` tokens, where ``Td`` / ``Tq`` are the mean image / text tokens per item of the
first calls (rounded; a modality that was not measured is encoded once, one item, to count its
tokens). Then one MaxSim case per thread count is timed with the model's other cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from embedlab.models.base import Modality
from embedlab.models.multivector import MultiVectorEncoder
from embedlab.perf.measure import SpeedInputs
from embedlab.perf.multivector import MAXSIM, MaxSimSetting, MaxSimWork, checked_tokens
from embedlab.perf.rounds import Case
from embedlab.perf.timer import Timer


def tokens_per_item(
    encoder: MultiVectorEncoder, modality: Modality, firsts: dict[str, float],
    inputs: SpeedInputs,
) -> int:  # fmt: skip
    """The first call's mean tokens per item of ``modality`` (rounded), else one item's count.

    Raises:
        ModelError: the one-item call did not return one finite token matrix.
    """
    if modality in firsts:
        return max(1, round(firsts[modality]))
    batch = inputs.batch(modality, 1)
    output = encoder.encode_images(batch) if modality == "image" else encoder.encode_texts(batch)
    return len(checked_tokens(encoder, modality, output, 1).tokens)


@dataclass
class MaxSimPlan:
    """The MaxSim cases of one model: one per thread count, over one shared corpus."""

    docs: int
    seed: int = 0
    work: MaxSimWork | None = None
    threads_done: set[int | None] = field(default_factory=set)

    def case(
        self, label: str, encoder: MultiVectorEncoder, threads: int | None,
        firsts: dict[str, float], inputs: SpeedInputs, timer: Timer,
    ) -> Case | None:  # fmt: skip
        """The MaxSim case of ``threads`` (None when that thread count has one already).

        Raises:
            ModelError: counting a modality's tokens failed.
        """
        if threads in self.threads_done:
            return None
        if self.work is None:
            image = tokens_per_item(encoder, "image", firsts, inputs)
            text = tokens_per_item(encoder, "text", firsts, inputs)
            setting = MaxSimSetting(self.docs, image, text, encoder.token_dim, self.seed)
            self.work = MaxSimWork(setting)
        self.threads_done.add(threads)
        setting = self.work.setting
        fields = {"maxsim": setting.details(threads), "tokens_per_item": float(setting.doc_tokens)}
        return Case(
            f"{label} {MAXSIM} {setting.docs} docs", encoder, MAXSIM, setting.docs, threads,
            self.work.stages(threads), timer, unit="docs/s", row_fields=fields,
        )  # fmt: skip
