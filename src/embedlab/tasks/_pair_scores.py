"""The similarities a pair-choice task compares, from a dense or a late-interaction model.

Dense: ``s(c, i) = <T_c, V_i>`` (:func:`embedlab.scoring.pair_choice.similarities`). Late
interaction: ``s(c, i) = MaxSim(c -> i)`` over the caption's and the image's token vectors
(:func:`embedlab.scoring.late_pairs.maxsim_similarities`), the caption on the query side.
Images are embedded first, then the texts (role ``query``), each list once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.scoring.late_pairs import maxsim_similarities
from embedlab.scoring.pair_choice import similarities
from embedlab.tasks.base import TaskContext


def pair_similarities(
    ctx: TaskContext,
    image_dataset: str,
    images: tuple[Sequence[str], Sequence[Path]],
    text_dataset: str,
    texts: tuple[Sequence[str], Sequence[str]],
    text_index: NDArray[np.int64],
    image_index: NDArray[np.int64],
) -> NDArray[np.float64]:
    """``s(texts[text_index], images[image_index])`` (broadcast; ``-1`` texts give NaN).

    ``images`` is ``(ids, paths)``, ``texts`` is ``(ids, texts)``.
    """
    embed = ctx.embed
    if embed.late_interaction:
        img_tok = embed.image_tokens(image_dataset, *images)
        txt_tok = embed.text_tokens(text_dataset, *texts, role="query")
        return maxsim_similarities(txt_tok, img_tok, text_index, image_index)
    img = embed.images(image_dataset, *images)
    txt = embed.texts(text_dataset, *texts, role="query")
    return similarities(txt, img, text_index, image_index)
