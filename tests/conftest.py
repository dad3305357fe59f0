"""Shared fixtures: tiny models and generated datasets, built once per test session.

The suite runs offline: ``HF_HUB_OFFLINE`` is set before huggingface_hub is imported (it reads
the variable once, at import), so a model missing from the local cache fails at once instead of
retrying the network for a minute.

The suite never writes into the user's home: at import of this file (before any test module
imports huggingface_hub, datasets, onnxruntime, openvino or matplotlib, which read these
variables once) ``HOME``, ``XDG_CACHE_HOME``, ``HF_HOME``, ``HF_DATASETS_CACHE`` and
``EMBEDLAB_CACHE`` point into a fresh session folder, removed when the session ends. Subprocesses
started by tests inherit it. Runtime telemetry is off as embedlab itself switches it off
(:mod:`embedlab.core.telemetry`).
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# The speed harness picks the threads' waiting policy from a probe of the machine's load; the
# suite pins it (the choice itself is tested in subprocesses, tests/perf/test_threads.py).
os.environ.setdefault("EMBEDLAB_WAIT_POLICY", "passive")

SESSION_HOME = Path(tempfile.mkdtemp(prefix="embedlab-tests-home-"))
os.environ["HOME"] = str(SESSION_HOME)
os.environ["XDG_CACHE_HOME"] = str(SESSION_HOME / ".cache")
os.environ["XDG_CONFIG_HOME"] = str(SESSION_HOME / ".config")
os.environ["HF_HOME"] = str(SESSION_HOME / ".cache" / "huggingface")
os.environ["HF_DATASETS_CACHE"] = str(SESSION_HOME / ".cache" / "huggingface" / "datasets")
os.environ["EMBEDLAB_CACHE"] = str(SESSION_HOME / ".cache" / "embedlab")

from embedlab.core.telemetry import quiet_runtime_telemetry  # noqa: E402

quiet_runtime_telemetry()

pytest_plugins = [
    "tests.fixtures.tiny_models",
    "tests.fixtures.datasets",
    "tests.fixtures.index_runs",
    "tests.fixtures.ray_local",
]


@pytest.fixture
def hub_online(monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick Hub probe says "reachable", for tests that stand in for the Hub by patching
    ``datasets`` (the probe itself is tested in ``tests/core/test_hub.py``)."""
    monkeypatch.setattr("embedlab.data.hub_source.hub_unreachable_reason", lambda *a, **k: None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(SESSION_HOME, ignore_errors=True)
