"""The inputs and outputs of the retrieval rank pass (internal; see :mod:`._rank_pass`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

_G = TypeVar("_G", bound=np.generic)


@dataclass(frozen=True)
class PassInput:
    """Validated inputs.

    Attributes:
        text: caption embeddings, float32 C-contiguous, in *text order*.
        image: image embeddings, float32 C-contiguous.
        image_of_text: positive image of each text row.
        row_source: text row of each pass row (first captions first, see
            :mod:`embedlab.scoring._rank_pass`); ``None`` = the same order.
        text_norm: float32-computed norm of each text row (as float64).
        image_norm: float32-computed norm of each image row (as float64).
    """

    text: NDArray[np.float32]
    image: NDArray[np.float32]
    image_of_text: NDArray[np.intp]
    row_source: NDArray[np.intp] | None
    text_norm: NDArray[np.float64]
    image_norm: NDArray[np.float64]

    def in_pass_order(self, values: NDArray[_G]) -> NDArray[_G]:
        """Per-text-row ``values`` reordered to pass rows."""
        return values if self.row_source is None else values[self.row_source]


@dataclass(frozen=True)
class PassOutput:
    """Ranks found by the pass; ``None`` where not requested."""

    row_ranks: NDArray[np.int64] | None
    i2t: NDArray[np.int64] | None
    i2t_symmetric: NDArray[np.int64] | None
