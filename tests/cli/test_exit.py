"""The console script's fast exit: atexit handlers run, streams flushed, the code kept; the
ordinary exit whenever another thread is alive, torch is absent or EMBEDLAB_FULL_EXIT=1."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from embedlab.cli._exit import fast_exit_allowed


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False, timeout=120)  # fmt: skip


FINISH = """
import atexit, sys, torch
from embedlab.cli._exit import finish, fast_exit_allowed
atexit.register(lambda: print("atexit ran", file=sys.stderr))
print("fast" if fast_exit_allowed() else "full", end=" ")
print("buffered output", end="")
finish(3)
"""


def test_finish_runs_atexit_flushes_and_keeps_the_code() -> None:
    done = _python(FINISH)
    assert done.returncode == 3
    assert done.stdout == "fast buffered output" and "atexit ran" in done.stderr


def test_full_exit_on_request_gives_the_same_outcome() -> None:
    done = _python(FINISH, {"EMBEDLAB_FULL_EXIT": "1"})
    assert done.returncode == 3
    assert done.stdout == "full buffered output" and "atexit ran" in done.stderr


def test_a_live_thread_is_never_cut_short(tmp_path: Path) -> None:
    marker = tmp_path / "written"
    code = f"""
import threading, time, torch
from embedlab.cli._exit import finish
def late():
    time.sleep(0.5)
    open({str(marker)!r}, "w").write("done")
threading.Thread(target=late).start()
finish(0)
"""
    done = _python(code)
    assert done.returncode == 0 and marker.read_text() == "done"


def test_allowed_only_with_torch_loaded_and_no_other_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EMBEDLAB_FULL_EXIT", raising=False)
    monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch") or object())  # type: ignore[arg-type]
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert fast_exit_allowed()
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not fast_exit_allowed()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setenv("EMBEDLAB_FULL_EXIT", "1")
    assert not fast_exit_allowed()
    monkeypatch.delenv("EMBEDLAB_FULL_EXIT")
    monkeypatch.delitem(sys.modules, "torch")
    assert not fast_exit_allowed()


def test_the_console_script_keeps_exit_codes_and_messages(tmp_path: Path) -> None:
    code = "import sys; sys.argv = ['embedlab', 'run', '--model', 'fake:8']; " \
           "from embedlab.cli.app import console_main; console_main()"
    done = _python(code)
    assert done.returncode == 2 and done.stderr.count("error: ") == 1
    ok = _python("import sys; sys.argv = ['embedlab', '--version']; "
                 "from embedlab.cli.app import console_main; console_main()")  # fmt: skip
    assert ok.returncode == 0 and ok.stdout.strip()
