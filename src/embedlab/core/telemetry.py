"""Keep the runtimes' usage telemetry off (and their ids out of the user's home).

Importing ``onnxruntime`` (1.29+) writes ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/
deviceid`` and may upload usage events; importing ``openvino`` writes ``~/intel/openvino_ga_cid``
and sends Google Analytics events unless the user ran ``opt_in_out --opt_out``. A benchmark tool
should not do either on the user's behalf, so before embedlab imports a runtime:

- ``ORT_DISABLE_TELEMETRY=1`` is set unless the variable is already set (ONNX Runtime's own
  switch, read when its environment is created; ``onnxruntime.disable_telemetry_events()``
  comes too late for the device id);
- OpenVINO's conversion code is made to use the no-op telemetry stub it ships for installs
  without ``openvino-telemetry``, by marking that package unimportable in this process
  (``sys.modules["openvino_telemetry"] = None``), unless it was already imported.

``EMBEDLAB_RUNTIME_TELEMETRY=1`` leaves both libraries at their defaults.
"""

from __future__ import annotations

import os
import sys

OPT_IN_VARIABLE = "EMBEDLAB_RUNTIME_TELEMETRY"


def quiet_runtime_telemetry() -> None:
    """Switch ONNX Runtime and OpenVINO telemetry off for this process (idempotent, cheap)."""
    if os.environ.get(OPT_IN_VARIABLE, "").strip() == "1":
        return
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    if "openvino_telemetry" not in sys.modules:
        sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]
