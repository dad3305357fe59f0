"""How a forward pass runs: ``torch`` (eager / compiled), ``onnxruntime``, ``openvino``.

Every runtime gives the same :class:`~embedlab.models.base.Encoder` interface;
:func:`load_encoder` picks the one ``spec.runtime`` names from :data:`RUNTIMES`. Importing this
package imports no deep-learning framework.
"""

from embedlab.runtimes.base import RUNTIMES, RuntimeInfo, RuntimeOptions, runtime_info
from embedlab.runtimes.loader import load_encoder
from embedlab.runtimes.parity import parity

__all__ = ["RUNTIMES", "RuntimeInfo", "RuntimeOptions", "load_encoder", "parity", "runtime_info"]
