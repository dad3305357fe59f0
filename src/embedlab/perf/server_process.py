"""The CPU used by the server process of an endpoint on this machine, measured apart.

In a load test against a server on the same machine, the server is "another process" to the
interference measure of :mod:`embedlab.perf.machine`; its CPU is the work being measured, not
interference. When its pid is known its CPU time is read from ``/proc/<pid>/stat``
(``utime + stime``, fields 14 and 15, in clock ticks) and subtracted from the other processes'
share. The pid comes from the ``pid`` field of ``/info`` (``embedlab serve`` reports it) when the
endpoint's host is a loopback address, else from the process listening on the endpoint's port
(psutil, when installed and permitted). A server in a container or on another host has no pid
here: its CPU is then not measured and stays inside ``other_cores`` (the results say so).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from embedlab.runtimes.endpoint import is_loopback


def is_local(url: str) -> bool:
    """Whether the endpoint at ``url`` runs on this machine's loopback interface."""
    return is_loopback(urlsplit(url).hostname or "")


def server_pid(url: str, info: dict[str, Any]) -> int | None:
    """The pid of the endpoint's server process on this machine, or None (module docstring)."""
    if not is_local(url):
        return None
    pid = info.get("pid")
    if isinstance(pid, int) and process_cpu_seconds(pid) is not None:
        return pid
    return _listening_pid(urlsplit(url).port or 80)


def _listening_pid(port: int) -> int | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == "LISTEN" and conn.laddr and conn.laddr.port == port and conn.pid:
                return int(conn.pid)
    except (psutil.Error, OSError):
        return None
    return None


def process_cpu_seconds(pid: int, proc: Path = Path("/proc")) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (None: unreadable)."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()  # after the command name, field 3 is first
    try:
        ticks = int(fields[11]) + int(fields[12])
    except (IndexError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return ticks / hz
