"""Thread counts as a measured choice: the default, and the settings actually in force.

Default (no ``--threads``): the physical cores this process may use
(:func:`embedlab.perf.machine.usable_physical_cores`: affinity, core topology, cgroup quota).
Every runtime gets the same count: torch's intra-op threads are set before each timed run,
onnxruntime sessions get ``intra_op_num_threads``, OpenVINO ``INFERENCE_NUM_THREADS``.
``--threads 1 --threads 2`` measures each count as its own configuration.

:func:`threads_in_force` records what was actually in force for a case (not what was asked):
torch intra/inter-op threads read back from torch, the OpenMP/MKL/OpenBLAS environment
variables (``OMP_WAIT_POLICY`` included: it is read once, when OpenMP starts, so only a fresh
process can change it), and the runtime's own settings (onnxruntime intra-op threads and
spinning, OpenVINO threads and streams) from the encoder's ``runtime_info``.

Waiting policy: torch's OpenMP threads spin while they wait at a barrier by default; when
another process holds a core, the spinning thread and the working thread share it and every
parallel region waits for the slowest thread (measured: 560 ms vs 37 ms p50 for a ViT-B/16
text tower with one busy neighbour core, docs/measurements.md). :func:`prefer_passive_waiting`
therefore sets ``OMP_WAIT_POLICY=PASSIVE`` before torch is first imported, unless the user set
it or chose ``EMBEDLAB_WAIT_POLICY=active`` (the libraries' spinning: 21.3 vs 30.2 ms on an
idle machine — the setting for a dedicated server's best case); if torch was already imported,
OpenMP has read its policy and the record says so.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from embedlab.models.base import Encoder
from embedlab.perf.machine import usable_physical_cores
from embedlab.runtimes import runtime_info
from embedlab.runtimes._deps import waiting_threads_spin

ENV_VARIABLES = (
    "OMP_NUM_THREADS",
    "OMP_WAIT_POLICY",
    "GOMP_SPINCOUNT",
    "KMP_BLOCKTIME",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
)
_RUNTIME_KEYS = (
    "intra_op_threads",
    "inter_op_threads",
    "allow_spinning",
    "INFERENCE_NUM_THREADS",
    "NUM_STREAMS",
    "PERFORMANCE_HINT",
)


_WAIT_POLICY: dict[str, str] = {}


def prefer_passive_waiting() -> str:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` if torch is not imported yet and the user did not set it.

    Returns:
        The policy in force: the variable's value, or a sentence when torch loaded OpenMP
        before embedlab could set it (then OpenMP's default, active spinning, applies).
    """
    if "policy" not in _WAIT_POLICY:
        if waiting_threads_spin():
            _WAIT_POLICY["policy"] = "OpenMP default (EMBEDLAB_WAIT_POLICY=active)"
        elif "OMP_WAIT_POLICY" in os.environ:
            _WAIT_POLICY["policy"] = os.environ["OMP_WAIT_POLICY"]
        elif "torch" in sys.modules:
            _WAIT_POLICY["policy"] = "OpenMP default (torch was imported before it could be set)"
        else:
            os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
            _WAIT_POLICY["policy"] = "PASSIVE"
    return _WAIT_POLICY["policy"]


def default_threads() -> int:
    """The thread count used when ``--threads`` is not given (see the module docstring)."""
    return usable_physical_cores()


def set_torch_threads(threads: int) -> None:
    """Set torch's intra-op threads if torch is imported (never imports it)."""
    torch: Any = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def threads_in_force(encoder: Encoder) -> dict[str, Any]:
    """The thread settings in force for ``encoder`` right now (JSON-ready)."""
    info = runtime_info(encoder)
    settings: dict[str, Any] = {"runtime_threads": info.threads}
    settings |= {key: info.settings[key] for key in _RUNTIME_KEYS if key in info.settings}
    torch: Any = sys.modules.get("torch")
    if torch is not None:
        settings["torch_intra_op"] = int(torch.get_num_threads())
        settings["torch_inter_op"] = int(torch.get_num_interop_threads())
    settings |= {key: os.environ[key] for key in ENV_VARIABLES if key in os.environ}
    if "policy" in _WAIT_POLICY:
        settings["OMP_WAIT_POLICY"] = _WAIT_POLICY["policy"]
    return settings
