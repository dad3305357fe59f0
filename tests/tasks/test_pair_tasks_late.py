"""Pair-choice tasks with a late-interaction model: s(c, i) = MaxSim(caption c -> image i) from
tiny 2-d token matrices computed by hand, through the real winoground and sugarcrepe tasks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedlab.embedding.stub import EmbedRequest, StubEmbedder
from embedlab.tasks.base import TaskContext
from embedlab.tasks.sugarcrepe import SugarCrepeParams, make_sugarcrepe
from embedlab.tasks.winoground import WinogroundParams, make_winoground
from tests.data.test_sugarcrepe_data import write_sugarcrepe
from tests.data.test_winoground_data import example, write_winoground

# Per item: (image 0, image 1, caption 0, caption 1) token matrices, the MaxSim values by hand
# as comments, and the expected (text, image, group) flags.
WINOGROUND = [
    # c0i0 = 1 + 0.5 = 1.5, c0i1 = 0 + 0.5 = 0.5, c1i0 = 0, c1i1 = 1: all right
    ([[1, 0]], [[0, 1]], [[1, 0], [0.5, 0.5]], [[0, 1]], (1, 1, 1), "Object"),
    # image 0 has both directions: c0i0 = 1 = c1i0 (a tie: text wrong), c1i1 = 0.5 < c1i0 = 1
    ([[1, 0], [0, 1]], [[0.5, 0.5]], [[1, 0]], [[0, 1]], (0, 0, 0), "Object"),
    # c0i0 = 2 > c1i0 = 0.5 and c1i1 = 0.25 > c0i1 = 0: text right; c1i1 < c1i0: image wrong
    ([[1, 0]], [[0, 1]], [[1, 0], [1, 0]], [[0.5, 0.25]], (1, 0, 0), "Relation"),
    # c0i0 = 1, c0i1 = max(0, .5) = .5, c1i0 = 0 + 1 = 1, c1i1 = max(1, .5) + max(0, .5) = 1.5:
    # image right (1 > .5, 1.5 > 1), text wrong (c0i0 = c1i0 is a tie)
    ([[1, 0]], [[0, 1], [0.5, 0.5]], [[1, 0]], [[0, 1], [1, 0]], (0, 1, 0), "Both"),
]


def test_winoground_flags_from_hand_computed_maxsim(tmp_path: Path) -> None:
    root = write_winoground(tmp_path / "wg", [example(n, t[-1]) for n, t in enumerate(WINOGROUND)])
    tokens = {}
    for n, (i0, i1, c0, c1, _, _) in enumerate(WINOGROUND):
        tokens |= {f"ex_{n}_img_0": i0, f"ex_{n}_img_1": i1}
        tokens |= {f"{n}#caption_0": c0, f"{n}#caption_1": c1}
    stub = StubEmbedder.by_tokens(tokens)
    result = make_winoground("winoground", WinogroundParams(data_dir=root)).run(
        TaskContext(stub, tmp_path)
    )
    values = result.outcomes[0].values
    flags = [tuple(int(values[m][n]) for m in ("text_score", "image_score", "group_score"))
             for n in range(len(WINOGROUND))]  # fmt: skip
    assert flags == [item[4] for item in WINOGROUND]
    rows = {(m.protocol, m.metric): m.value for m in result.metrics}
    assert rows["all", "text_score"] == 0.5 and rows["all", "group_score"] == 0.25
    assert rows["tag=Both", "image_score"] == 1.0
    assert [(r.modality, len(r.ids)) for r in stub.requests] == [("image", 8), ("text", 8)]


# Images: 000000000001.jpg has tokens (1, 0) and (0, 1); 000000000002.jpg only (1, 0).
IMAGES = {"000000000001.jpg": [[1, 0], [0, 1]], "000000000002.jpg": [[1, 0]]}
CAPTIONS = {
    "swap_obj true 0": [[1, 0], [0, 1]],  # 1 + 1 = 2
    "swap_obj false 0": [[1, 0]],  # 1: right
    "swap_obj true 1": [[1, 0], [0, 1]],  # 1 + 0 = 1
    "swap_obj false 1": [[0.5, 0.5], [0.5, 0.5]],  # 0.5 + 0.5 = 1: a tie, wrong
    "swap_att true 0": [[0, 1]],  # 1
    "swap_att false 0": [[0, -1]],  # max(0, -1) = 0: right
    "swap_att true 1": [[-0.5, 0]],  # -0.5 (all similarities negative: no padding to win)
    "swap_att false 1": [[-1, 0]],  # -1: right
}


def test_sugarcrepe_accuracy_from_hand_computed_maxsim(tmp_path: Path) -> None:
    root = write_sugarcrepe(tmp_path / "sc", subsets=("swap_obj", "swap_att"), per_subset=2)

    def handler(request: EmbedRequest) -> list[object]:
        table = IMAGES if request.modality == "image" else CAPTIONS
        keys = request.ids if request.modality == "image" else request.items
        return [np.asarray(table[k], dtype=np.float64) for k in keys]

    stub = StubEmbedder(token_handler=handler)
    params = SugarCrepeParams(data_dir=root, protocols=("swap_obj", "swap_att", "macro", "pooled"))
    result = make_sugarcrepe("sugarcrepe", params).run(TaskContext(stub, tmp_path))
    values = {m.protocol: m.value for m in result.metrics}
    assert values == {"swap_obj": 0.5, "swap_att": 1.0, "macro": 0.75, "pooled": 0.75}
    correct = {o.protocol: o.values["correct"].tolist() for o in result.outcomes}
    assert correct["swap_obj"] == [1, 0] and correct["swap_att"] == [1, 1]
