"""Threads as a measured choice: the default count, the wait policy, the settings in force."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from embedlab.models.registry import parse_model
from embedlab.perf import machine
from embedlab.perf.loading import load_encoder_for_speed
from embedlab.perf.threads import threads_in_force


def test_default_threads_are_physical_cores_of_the_usable_cpus_within_the_quota(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(machine, "usable_cpus", lambda: {0})
    monkeypatch.setattr(machine, "cgroup_cpu_quota", lambda root=None: None)
    assert machine.usable_physical_cores() == 1
    monkeypatch.setattr(machine, "usable_cpus", lambda: set(range(os.cpu_count() or 1)))
    monkeypatch.setattr(machine, "cgroup_cpu_quota", lambda root=None: 1.5)
    assert machine.usable_physical_cores() == 1  # a 1.5-core quota gives 1 thread


def _policy(prelude: str, env: dict[str, str]) -> str:
    code = (
        f"{prelude}\nfrom embedlab.perf.threads import prefer_passive_waiting\n"
        "import os\nprint(prefer_passive_waiting(), os.environ.get('OMP_WAIT_POLICY'), sep='|')"
    )
    drop = ("OMP_WAIT_POLICY", "EMBEDLAB_WAIT_POLICY")
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.strip()


def test_waiting_policy_follows_the_machine_and_never_overrides_the_user() -> None:
    probe = "import embedlab.perf.threads as t\nt.probe_other_cores = lambda seconds: {}"
    assert _policy(probe.format(0.9), {}) == (
        "PASSIVE (another process used 0.90 cores at start)|PASSIVE"
    )
    assert _policy(probe.format(0.05), {}) == "OpenMP default (machine quiet at start)|None"
    assert _policy(probe.format("None"), {}) == "OpenMP default (machine quiet at start)|None"
    assert _policy("", {"OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE|ACTIVE"
    chosen = _policy("", {"EMBEDLAB_WAIT_POLICY": "passive"})
    assert chosen == "PASSIVE (EMBEDLAB_WAIT_POLICY=passive)|PASSIVE"
    late = _policy("import sys, types\nsys.modules['torch'] = types.ModuleType('torch')", {})
    assert late == "OpenMP default (torch was imported before it could be set)|None"


def test_onnxruntime_threads_do_not_spin_and_the_record_says_so(
    tiny_clip_dir: Path, tmp_path: Path
) -> None:
    pytest.importorskip("onnxruntime")
    spec = parse_model(f"hf:{tiny_clip_dir}", runtime="onnxruntime")
    encoder = load_encoder_for_speed(spec, threads=1, cache_dir=tmp_path)
    settings = threads_in_force(encoder)
    assert settings["allow_spinning"] == "0" and settings["intra_op_threads"] == "1"
    assert settings["runtime_threads"] == 1 and settings["inter_op_threads"] == "1"


def test_the_probe_sees_a_busy_neighbour() -> None:
    from embedlab.perf.threads import probe_other_cores

    spin = "import time\nend = time.time() + 20\nwhile time.time() < end: pass"
    spinner = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(1.0)  # let the interpreter start and spin
        busy = probe_other_cores(1.0)
    finally:
        spinner.kill()
        spinner.wait()
    assert busy is None or busy > 0.5  # one core spinning (None: no /proc/stat here)


def test_wait_policy_variable_chooses_spinning(monkeypatch: pytest.MonkeyPatch) -> None:
    from embedlab.errors import ConfigError
    from embedlab.runtimes.ort_runtime import allow_spinning

    monkeypatch.delenv("EMBEDLAB_WAIT_POLICY", raising=False)
    assert allow_spinning() == "0"  # default: waiting threads sleep
    monkeypatch.setenv("EMBEDLAB_WAIT_POLICY", "active")
    assert allow_spinning() == "1"
    monkeypatch.setenv("EMBEDLAB_WAIT_POLICY", "fast")
    with pytest.raises(ConfigError, match="EMBEDLAB_WAIT_POLICY='fast'"):
        allow_spinning()
