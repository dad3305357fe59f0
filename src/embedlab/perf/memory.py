"""Peak memory during a timed run: process RSS sampled in a thread, and the CUDA allocator.

RSS (resident set size) is read from ``/proc/self/status`` (``VmRSS``), or from psutil where
``/proc`` does not exist. It covers the whole process: weights, activations, Python, the
inputs. :class:`RssSampler` reads it every ``interval`` seconds in a daemon thread while the
timed run executes, plus once on entry and once on exit, and keeps the maximum; a peak shorter
than the interval can be missed (the reported peak is a lower bound).

On CUDA, :class:`CudaPeak` resets and reads ``torch.cuda.max_memory_allocated`` (bytes held by
tensors through torch's caching allocator; the reserved pool and other libraries' memory are
not included).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from types import TracebackType

from embedlab.errors import MissingDependencyError

MIB = 1024 * 1024
_STATUS = Path("/proc/self/status")


def read_rss_bytes() -> int:
    """Current resident set size of this process, in bytes.

    Raises:
        MissingDependencyError: no ``/proc`` and psutil is not installed.
    """
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024  # the kernel reports kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
    except ImportError:
        raise MissingDependencyError(
            "psutil", extra="perf", purpose="measuring memory on a system without /proc"
        ) from None
    return int(psutil.Process().memory_info().rss)


class RssSampler:
    """Context manager sampling RSS in a background thread; ``peak_bytes`` after exit."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self.n_samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="embedlab-rss", daemon=True)

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, read_rss_bytes())
        self.n_samples += 1

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> RssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def peak_mib(self) -> float:
        """The peak in MiB (2**20 bytes)."""
        return self.peak_bytes / MIB


class CudaPeak:
    """Peak bytes allocated by torch on a CUDA device inside the block (``None`` elsewhere)."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.peak_bytes: int | None = None
        torch = sys.modules.get("torch")
        cuda = device.startswith("cuda") and torch is not None and torch.cuda.is_available()
        self._torch = torch if cuda else None

    def __enter__(self) -> CudaPeak:
        if self._torch is not None:
            self._torch.cuda.synchronize(self.device)
            self._torch.cuda.reset_peak_memory_stats(self.device)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._torch is not None:
            self._torch.cuda.synchronize(self.device)
            self.peak_bytes = int(self._torch.cuda.max_memory_allocated(self.device))
