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
text tower with one busy neighbour core, docs/measurements.md). Passive waiting costs on a
quiet machine, though: 21.3 vs 30.2 ms for that tower, 6.4 vs 14.0 ms for MiniLM at batch 1.
So :func:`prefer_passive_waiting` decides before torch is first imported, from a short probe of
the machine (:data:`PROBE_SECONDS` of /proc/stat): when other processes already use more than
the stability threshold (0.25 cores) it sets ``OMP_WAIT_POLICY=PASSIVE`` and
``EMBEDLAB_WAIT_POLICY=passive`` (onnxruntime threads then do not spin either); on a quiet
machine it keeps the libraries' spinning (``EMBEDLAB_WAIT_POLICY=active``). Contention that
starts later is still caught by each row's stability verdict. A user's ``OMP_WAIT_POLICY`` or
``EMBEDLAB_WAIT_POLICY`` always wins; if torch was already imported, OpenMP has read its policy
and the record says so. The decision and its reason are recorded with every row.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from embedlab.models.multivector import AnyEncoder
from embedlab.perf.machine import cpu_snapshot, interference, usable_physical_cores
from embedlab.perf.stability import THRESHOLDS
from embedlab.runtimes import runtime_info
from embedlab.runtimes._deps import WAIT_POLICY_VARIABLE, waiting_threads_spin

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
#: Seconds of /proc/stat sampling that decide the waiting policy before torch loads.
PROBE_SECONDS = 0.5


def prefer_passive_waiting() -> str:
    """Choose the threads' waiting policy once, before torch loads (see the module docstring).

    Returns:
        The policy in force and why, e.g. ``PASSIVE (another process used 0.90 cores at
        start)`` or ``OpenMP default (machine quiet at start)``.
    """
    if "policy" not in _WAIT_POLICY:
        _WAIT_POLICY["policy"] = _choose_policy()
    return _WAIT_POLICY["policy"]


def _choose_policy() -> str:
    if "OMP_WAIT_POLICY" in os.environ:
        return os.environ["OMP_WAIT_POLICY"]
    if "torch" in sys.modules:
        return "OpenMP default (torch was imported before it could be set)"
    if WAIT_POLICY_VARIABLE in os.environ:
        if waiting_threads_spin():
            return f"OpenMP default ({WAIT_POLICY_VARIABLE}=active)"
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        return f"PASSIVE ({WAIT_POLICY_VARIABLE}=passive)"
    other = probe_other_cores(PROBE_SECONDS)
    if other is not None and other > THRESHOLDS["other_cores"]:
        os.environ[WAIT_POLICY_VARIABLE] = "passive"
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        return f"PASSIVE (another process used {other:.2f} cores at start)"
    os.environ[WAIT_POLICY_VARIABLE] = "active"
    return "OpenMP default (machine quiet at start)"


def probe_other_cores(seconds: float) -> float | None:
    """Cores used by other processes over ``seconds`` of sleeping (None without /proc/stat)."""
    before = cpu_snapshot()
    time.sleep(seconds)
    return interference(before, cpu_snapshot()).other_cores


def default_threads() -> int:
    """The thread count used when ``--threads`` is not given (see the module docstring)."""
    return usable_physical_cores()


def set_torch_threads(threads: int) -> None:
    """Set torch's intra-op threads if torch is imported (never imports it)."""
    torch: Any = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def threads_in_force(encoder: AnyEncoder) -> dict[str, Any]:
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
