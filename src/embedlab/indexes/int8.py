"""8-bit scalar codes per dimension, calibrated on a sample: clip BEFORE casting.

For dimension j with calibration range ``[lo_j, hi_j]`` (min and max over the calibration rows)
and step ``s_j = (hi_j - lo_j) / 255`` (1 when the range is empty):

    code_j(x) = uint8(rint(clip((x_j - lo_j) / s_j, 0, 255)))
    decode_j(c) = lo_j + c * s_j

A value outside the calibration range saturates at 0 or 255; casting first would wrap it around
(e.g. 256 → 0), the bug PROTOCOLS.md warns about. Used by ``binary-rescore:rescore=int8``; the
``sq8`` backend uses faiss's equivalent ``QT_8bit`` quantizer (which also clips).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Rows of the corpus (seeded sample) that calibrate the ranges.
CALIBRATION_ROWS = 100_000
LEVELS = 255


@dataclass(frozen=True)
class Int8Codec:
    """Per-dimension ranges (module docstring). ``lo``, ``step``: float32 ``(D,)``."""

    lo: NDArray[np.float32]
    step: NDArray[np.float32]

    @classmethod
    def calibrate(cls, sample: NDArray[np.float32]) -> Int8Codec:
        """Ranges from the min and max of each column of ``sample`` ``(n, D)``."""
        lo = sample.min(axis=0).astype(np.float32)
        span = sample.max(axis=0).astype(np.float32) - lo
        step = np.where(span > 0, span / LEVELS, 1.0).astype(np.float32)
        return cls(lo, step)

    def encode(self, x: NDArray[np.float32]) -> NDArray[np.uint8]:
        """uint8 codes of ``x`` ``(N, D)``, clipped to the calibration range before casting."""
        scaled = (np.asarray(x, np.float32) - self.lo) / self.step
        codes: NDArray[np.uint8] = np.rint(np.clip(scaled, 0, LEVELS)).astype(np.uint8)
        return codes

    def decode(self, codes: NDArray[np.uint8]) -> NDArray[np.float32]:
        """float32 values ``lo + code * step``."""
        values: NDArray[np.float32] = (self.lo + codes.astype(np.float32) * self.step).astype(
            np.float32, copy=False
        )
        return values
