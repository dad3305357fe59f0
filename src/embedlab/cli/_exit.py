"""How the ``embedlab`` console script ends: without the interpreter's slow teardown.

A process that imported torch (with open_clip, transformers, ...) spends about a second after
its last statement finalising the interpreter: module teardown and the extension libraries'
destructors (measured here: 1.05–1.2 s after ``import torch, open_clip``; the ``atexit``
handlers themselves take 0.02 s). Nothing embedlab writes depends on it: results are published
with atomic renames before the command returns. So when the command is done, the console script
runs the ``atexit`` handlers (multiprocessing's worker and forkserver clean-up, logging's flush,
tempfile removal), flushes stdout and stderr, and leaves with :func:`os._exit`.

It falls back to the ordinary exit whenever skipping finalisation could lose something: another
thread is still alive (its work would be cut short), torch was never imported (nothing to
save), or ``EMBEDLAB_FULL_EXIT=1`` asks for it. Only the console script does this; ``main()``
called in-process (tests, ``python -c``) exits normally.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def fast_exit_allowed() -> bool:
    """True when skipping interpreter finalisation loses nothing (see the module docstring)."""
    if os.environ.get("EMBEDLAB_FULL_EXIT", "").strip() not in ("", "0"):
        return False
    return "torch" in sys.modules and threading.active_count() == 1


def finish(code: int) -> NoReturn:
    """Leave the process with ``code``: atexit handlers, flushed streams, then ``os._exit``."""
    if not fast_exit_allowed():
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken pipe: nothing to add
            stream.flush()
    os._exit(code)
