"""The suite and embedlab leave the user's home alone (caches, locks, telemetry ids)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Redirected by tests/conftest.py; the user's own values must not leak into the child.
_HOME_VARIABLES = (
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "HF_HOME",
    "HF_DATASETS_CACHE",
    "EMBEDLAB_CACHE",
    "ORT_DISABLE_TELEMETRY",
)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _user_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _HOME_VARIABLES}
    return {**env, "HOME": str(home)}


@pytest.mark.slow
def test_suite_subset_writes_nothing_into_home(tmp_path: Path) -> None:
    """HF datasets (lock files), onnxruntime (device id) and openvino (client id) tests."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "keep.txt").write_text("mine")
    before = _files(home)
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "tests/data/test_hub.py", "-k", "saved_dataset_dict or parquet_with_a_split",
            "tests/runtimes/test_onnxruntime.py::test_cuda_without_the_cuda_provider_is_a_clear_error",
            "tests/runtimes/test_openvino.py::test_cuda_is_refused",
        ],
        cwd=ROOT, env=_user_env(home), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "deselected" in result.stdout
    assert _files(home) == before


def test_importing_the_runtimes_through_embedlab_writes_nothing_into_home(tmp_path: Path) -> None:
    """embedlab switches ONNX Runtime and OpenVINO telemetry off before importing them."""
    home = tmp_path / "home"
    home.mkdir()
    script = (
        "from embedlab.runtimes._deps import require_optional\n"
        "ort = require_optional('onnxruntime', extra='onnx', purpose='t')\n"
        "ov = require_optional('openvino', extra='openvino', purpose='t')\n"
        "import openvino.tools.ovc.convert_impl\n"
        "ort.get_available_providers(); ov.Core()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path, env=_user_env(home), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _files(home) == []
