"""The reference report's "queries/s": images encoded per second during the evaluation.

The reference report's QPS is the COCO 5k test images divided by the wall seconds its evaluation
spent on them (5,000 / 59.6 s = 83.8 for LAION-H at batch 32, bf16, A40). A run records the same
wall time for every embedding fill (:class:`~embedlab.results.schema.EncodeTiming`: items, items
actually encoded, seconds, batch size), so per model and retrieval dataset::

    queries/s = Σ n_items / Σ (seconds − load_seconds)
                (over the image fills with n_computed == n_items)

The timed region is the fill: image decoding, preprocessing and the forward passes, without the
model load (``load_seconds``: recorded when that fill was the first to need the model; decoding
that worker processes did while the model loaded is not counted, so on a first fill the figure
can be slightly optimistic). A fill served from the cache (``n_computed == 0``) has no time: it
is reported as ``cached``; one partly served from the cache (``0 < n_computed < n_items``) as
``partly cached`` — neither is a rate. Batch size comes from the timing, device, runtime and
precision from the run (its config and the model's metric rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from embedlab.report.speed import format_number
from embedlab.report.tables import PROTOCOL_GLOSSES
from embedlab.results.schema import EncodeTiming, RunLog

TIMED_REGION = (
    "wall time of the run's image fill: decode + preprocessing + model, without the model load"
)


@dataclass(frozen=True)
class EncodeRate:
    """Images/s of one model's image fill of one retrieval dataset in one run."""

    model: str
    dataset: str
    n_items: int
    seconds: float
    batch_size: int
    device: str
    precision: str
    runtime: str
    status: str  # "measured", "cached" or "partly cached (k of n encoded)"

    @property
    def value(self) -> float | None:
        """Images per second, or None when the images were not (all) encoded in this run."""
        if self.status != "measured" or self.seconds <= 0:
            return None
        return self.n_items / self.seconds

    @property
    def label(self) -> str:
        """``batch 32, cpu, fp32, torch``."""
        return f"batch {self.batch_size}, {self.device}, {self.precision}, {self.runtime}"

    def text(self) -> str:
        """``12.3 images/s`` or the status."""
        value = self.value
        return f"{format_number(value)} images/s" if value is not None else self.status


def _rate(
    model: str, dataset: str, timings: list[EncodeTiming], log: RunLog, precision: str
) -> EncodeRate:
    full = [t for t in timings if t.n_computed == t.n_items and t.n_items > 0]
    device = str(log.config.get("device") or "cpu")
    runtime = str(log.config.get("runtime") or "torch")
    if full:
        return EncodeRate(
            model,
            dataset,
            sum(t.n_items for t in full),
            sum(t.seconds - t.load_seconds for t in full),
            full[0].batch_size,
            device,
            precision,
            runtime,
            "measured",
        )
    last = timings[-1]
    computed = max(t.n_computed for t in timings)
    status = "cached" if computed == 0 else f"partly cached ({computed} of {last.n_items} encoded)"
    return EncodeRate(
        model, dataset, last.n_items, 0.0, last.batch_size, device, precision, runtime, status
    )


def encode_rates(log: RunLog) -> list[EncodeRate]:
    """One :class:`EncodeRate` per (model, retrieval dataset) with image timings in ``log``."""
    retrieval: dict[tuple[str, str], str] = {}
    for row in log.metrics:
        if row.protocol in PROTOCOL_GLOSSES:
            retrieval.setdefault((row.model, row.dataset), row.precision)
    grouped: dict[tuple[str, str], list[EncodeTiming]] = {}
    for timing in log.timings:
        if timing.modality == "image" and (timing.model, timing.dataset) in retrieval:
            grouped.setdefault((timing.model, timing.dataset), []).append(timing)
    return [
        _rate(model, dataset, timings, log, retrieval[(model, dataset)])
        for (model, dataset), timings in grouped.items()
    ]
