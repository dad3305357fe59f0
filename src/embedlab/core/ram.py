"""RAM available now, for refusing work that would not fit before it starts."""

from __future__ import annotations

from pathlib import Path


def available_ram_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Bytes usable without swapping: ``MemAvailable`` of /proc/meminfo, else psutil's
    ``virtual_memory().available``, else None (cannot be read here)."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.virtual_memory().available)
