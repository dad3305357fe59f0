"""The state of the machine around a measurement: who else used the CPUs, and what limits them.

**Interference** (:func:`cpu_snapshot`, :func:`interference`): the CPU time *other* processes
used on the CPUs this process may run on, during a timed region, expressed in cores:

``other_cores = (Σ_{cpu ∈ affinity} Δbusy_cpu / CLK_TCK − Δown_cpu_seconds) / Δwall``

where ``busy = user + nice + system + irq + softirq + steal`` jiffies of each CPU line of
``/proc/stat`` (``idle`` and ``iowait`` are not busy; ``steal`` is time the hypervisor gave to
another guest, so it counts as interference), ``own_cpu_seconds`` is user + system time of this
process and all its threads (``os.times()``), and ``wall`` is ``time.perf_counter``. Jiffies
tick every ``1/CLK_TCK`` s (10 ms), so over a region of ``T`` seconds on ``N`` CPUs the figure
has a resolution of about ``2·N / (CLK_TCK·T)`` cores (0.04 for 1 s on 2 CPUs); it is clamped
at 0. ``other_cores = 0.9`` reads "another process used 0.9 cores during timing". Without
``/proc/stat`` (not Linux) it is ``None``.

**Static state** (:func:`machine_state`): 1-minute load average, usable CPUs
(``os.sched_getaffinity``), the cgroup CPU quota in cores (v2 ``cpu.max``, v1
``cpu.cfs_quota_us / cpu.cfs_period_us``; ``None`` = unlimited or unreadable), physical cores
among the usable CPUs, and the CPU frequency governor and current frequency where
``/sys/devices/system/cpu/cpu*/cpufreq`` is readable (often absent in VMs and containers),
else the ``cpu MHz`` of ``/proc/cpuinfo``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_STAT = Path("/proc/stat")
_CPU_SYS = Path("/sys/devices/system/cpu")
_CGROUP = Path("/sys/fs/cgroup")
#: Columns of a ``cpuN`` line of /proc/stat that count as busy (user nice system idle iowait
#: irq softirq steal ...; guest time is already inside user).
_BUSY_COLUMNS = (0, 1, 2, 5, 6, 7)


@dataclass(frozen=True)
class CpuSnapshot:
    """Busy jiffies per CPU, this process's CPU seconds, and the wall clock, at one instant."""

    busy_jiffies: dict[int, int] | None
    own_cpu_seconds: float
    wall: float


def usable_cpus() -> set[int]:
    """The CPUs this process may run on (its affinity), or every CPU where unknown."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def _read_busy(path: Path = _STAT) -> dict[int, int] | None:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    busy: dict[int, int] = {}
    for line in lines:
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu":
            continue
        try:
            values = [int(v) for v in rest.split()]
            busy[int(name[3:])] = sum(values[i] for i in _BUSY_COLUMNS if i < len(values))
        except ValueError:
            continue
    return busy or None


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this process, all threads."""
    times = os.times()
    return times.user + times.system


def cpu_snapshot() -> CpuSnapshot:
    """Read /proc/stat, this process's CPU time and the wall clock (in that order)."""
    busy = _read_busy()
    return CpuSnapshot(busy, own_cpu_seconds(), time.perf_counter())


@dataclass(frozen=True)
class Interference:
    """CPU use during a region, in cores (CPU seconds per wall second).

    Attributes:
        other_cores: used by other processes on our usable CPUs (``None`` without /proc/stat).
        own_cores: used by this process.
        seconds: wall seconds of the region.
    """

    other_cores: float | None
    own_cores: float
    seconds: float


def interference(
    before: CpuSnapshot, after: CpuSnapshot, cpus: set[int] | None = None
) -> Interference:
    """Other processes' CPU use between two snapshots (formula in the module docstring)."""
    seconds = max(after.wall - before.wall, 1e-9)
    own = max(after.own_cpu_seconds - before.own_cpu_seconds, 0.0)
    other: float | None = None
    if before.busy_jiffies is not None and after.busy_jiffies is not None:
        wanted = usable_cpus() if cpus is None else cpus
        ticks = sum(
            after.busy_jiffies[c] - before.busy_jiffies[c]
            for c in wanted
            if c in after.busy_jiffies and c in before.busy_jiffies
        )
        hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        other = max((ticks / hz - own) / seconds, 0.0)
    return Interference(other_cores=other, own_cores=own / seconds, seconds=seconds)


def load_average() -> float | None:
    """The 1-minute load average, or None where the OS has none."""
    try:
        return float(os.getloadavg()[0])
    except (OSError, AttributeError):
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cgroup_cpu_quota(root: Path = _CGROUP) -> float | None:
    """The cgroup CPU limit in cores (v2 ``cpu.max``, else v1 CFS quota); None = unlimited."""
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        if quota == "max" or not period:
            return None
        return int(quota) / int(period)
    quota_v1 = _read(root / "cpu" / "cpu.cfs_quota_us") or _read(root / "cpu.cfs_quota_us")
    period_v1 = _read(root / "cpu" / "cpu.cfs_period_us") or _read(root / "cpu.cfs_period_us")
    if quota_v1 is None or period_v1 is None or int(quota_v1) <= 0:
        return None
    return int(quota_v1) / int(period_v1)


def usable_physical_cores() -> int:
    """Physical cores among the usable CPUs, capped by the cgroup quota (at least 1).

    Hyper-threads of one core share its execution units, so intra-op threads beyond the
    physical cores add contention, not speed. Cores come from ``topology/core_id`` and
    ``physical_package_id`` of each usable CPU; where unreadable each CPU counts as a core.
    """
    cpus = usable_cpus()
    cores = set()
    for cpu in cpus:
        topology = _CPU_SYS / f"cpu{cpu}" / "topology"
        core, package = _read(topology / "core_id"), _read(topology / "physical_package_id")
        cores.add((package, core) if core is not None else ("cpu", str(cpu)))
    count = len(cores) or 1
    quota = cgroup_cpu_quota()
    if quota is not None:
        count = min(count, max(1, math.floor(quota)))
    return count


def _frequency() -> dict[str, Any]:
    governors, khz = set(), []
    for cpu in sorted(usable_cpus()):
        folder = _CPU_SYS / f"cpu{cpu}" / "cpufreq"
        governor = _read(folder / "scaling_governor")
        if governor:
            governors.add(governor)
        current = _read(folder / "scaling_cur_freq")
        if current and current.isdigit():
            khz.append(int(current))
    if khz or governors:
        return {
            "governor": ",".join(sorted(governors)) or None,
            "cpu_mhz": round(sum(khz) / len(khz) / 1000, 1) if khz else None,
        }
    return {"governor": None, "cpu_mhz": _cpuinfo_mhz()}


def _cpuinfo_mhz() -> float | None:
    text = _read(Path("/proc/cpuinfo")) or ""
    values = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "cpu MHz":
            try:
                values.append(float(value))
            except ValueError:
                continue
    return round(sum(values) / len(values), 1) if values else None


def machine_state() -> dict[str, Any]:
    """Load average, usable CPUs/cores, cgroup quota, governor and frequency (JSON-ready)."""
    return {
        "load_avg_1m": load_average(),
        "usable_cpus": len(usable_cpus()),
        "usable_physical_cores": usable_physical_cores(),
        "cgroup_cpu_quota": cgroup_cpu_quota(),
        **_frequency(),
    }
