"""The output folder of ``embedlab run``: one writer, checked before work, published as a set.

File-system faults are exercised for real where the machine allows it (a size-limited or
read-only tmpfs, mounted as root; only those variants are skipped when mounting is impossible)
and by injecting ``OSError(ENOSPC)`` into the one low-level write of :mod:`embedlab._atomic`.
Note that the tests run as root, for whom ``chmod 0o555`` does not block writes: read-only
folders are therefore read-only mounts, and "a path under a file" stands in where no mount is
possible.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from embedlab import _atomic
from embedlab.cli.app import main
from embedlab.config.run import RunConfig
from embedlab.errors import ConfigError, ResultsError
from embedlab.models.base import ModelSpec
from embedlab.models.sources.fake import FAKE_SOURCE
from embedlab.results.io import read_results
from embedlab.results.lock import StaleLockWarning, lock_path, output_lock
from embedlab.verbs.run import run
from tests.fixtures.full_disk import FullDiskFile


def _config(tmp_path: Path, data_dir: Path, out: Path | None = None, **over: Any) -> RunConfig:
    settings: dict[str, Any] = {
        "models": ["fake:16"],
        "tasks": ["shapes"],
        "out": out or tmp_path / "out",
        "data_dir": data_dir,
        "cache_dir": tmp_path / "cache",
        "progress": False,
        "bootstrap": 50,
        "batch_size": 4,
    }
    return RunConfig(**{**settings, **over})


def _cli_args(config: RunConfig, *extra: str) -> list[str]:
    return [
        "run", "--model", config.models[0], "--task", config.tasks[0],
        "--data-dir", str(config.data_dir), "--out", str(config.out),
        "--cache-dir", str(config.cache_dir), "--no-progress",
        "--bootstrap", str(config.bootstrap), "--batch-size", str(config.batch_size), *extra,
    ]  # fmt: skip


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``embedlab ARGS`` in this process: (exit code, stderr)."""
    capsys.readouterr()
    old = sys.argv
    sys.argv = ["embedlab", *args]
    try:
        with pytest.raises(SystemExit) as info:
            main()
    finally:
        sys.argv = old
    code = info.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().err


def _published(out: Path) -> dict[str, bytes]:
    """The published set: every file of ``out`` outside the ``.embedlab`` state folder."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".embedlab" not in p.relative_to(out).parts
    }


def _assert_clean(out: Path) -> None:
    """No temporary, staging or 0-byte file anywhere under ``out``; no lock left."""
    for path in out.rglob("*"):
        assert not path.name.endswith((".tmp", ".probe")), f"left behind: {path}"
        assert not path.name.startswith("staging-"), f"left behind: {path}"
        if path.is_file():
            assert path.stat().st_size > 0, f"0-byte file left: {path}"
    assert not lock_path(out).exists()


def _refuse_model_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(spec: ModelSpec) -> Any:
        raise AssertionError("the model was loaded before the output folder was checked")

    monkeypatch.setattr(FAKE_SOURCE, "load", refuse)


@contextmanager
def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``where`` (skip the calling test if this machine cannot mount)."""
    where.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


# --- --out and --cache-dir checked before any work -------------------------------------------


def test_out_that_is_a_file_fails_before_work(
    tmp_path: Path, shapes_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    target = tmp_path / "results.txt"
    target.write_text("not a folder")
    _refuse_model_load(monkeypatch)
    code, err = _cli(_cli_args(_config(tmp_path, shapes_dir, out=target)), capsys)
    assert code == 2
    assert err == f"error: --out {target} is a file, not a folder; pass a folder path\n"
    assert target.read_text() == "not a folder"


def test_out_under_a_file_fails_before_work(
    tmp_path: Path, shapes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path component that is a file (ENOTDIR): a folder that cannot be created."""
    (tmp_path / "plain").write_text("x")
    _refuse_model_load(monkeypatch)
    with pytest.raises(ConfigError, match=r"^--out .*plain/sub cannot be created: .*plain is a"):
        run(_config(tmp_path, shapes_dir, out=tmp_path / "plain" / "sub"))


def test_cache_dir_under_a_file_fails_before_work(
    tmp_path: Path, shapes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain").write_text("x")
    _refuse_model_load(monkeypatch)
    with pytest.raises(ConfigError, match=r"^--cache-dir .*plain/cache cannot be created"):
        run(_config(tmp_path, shapes_dir, cache_dir=tmp_path / "plain" / "cache"))


@pytest.mark.parametrize("flag", ["--out", "--cache-dir"])
def test_read_only_folder_fails_before_work(
    tmp_path: Path, shapes_dir: Path, monkeypatch: pytest.MonkeyPatch, flag: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """A read-only mount: the OS refuses even root (EROFS), as for a user on a 0o555 folder."""
    with _tmpfs(tmp_path / "ro", "size=1m,ro") as readonly:
        folder = readonly / "sub"
        field = "out" if flag == "--out" else "cache_dir"
        _refuse_model_load(monkeypatch)
        config = _config(tmp_path, shapes_dir, **{field: folder})
        code, err = _cli(_cli_args(config), capsys)
    assert code == 2
    assert err == (
        f"error: {flag} {folder} is not writable: Read-only file system; make it writable "
        "or choose another folder\n"
    )


def test_probe_failure_is_reported_before_work(
    tmp_path: Path, shapes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a mount: the probe write itself is made to fail as on a read-only folder."""
    real = os.write

    def refuse(fd: int, data: bytes) -> int:
        if data.startswith(b"embedlab write probe"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real(fd, data)

    monkeypatch.setattr(os, "write", refuse)
    _refuse_model_load(monkeypatch)
    with pytest.raises(ConfigError, match=r"^--out .*out is not writable: Permission denied"):
        run(_config(tmp_path, shapes_dir))
    assert list((tmp_path / "out").iterdir()) == [], "the probe file is removed"


# --- one run per folder ----------------------------------------------------------------------


def test_locked_out_is_refused_naming_the_holder(tmp_path: Path, shapes_dir: Path) -> None:
    config = _config(tmp_path, shapes_dir)
    with output_lock(config.out, "test holder"), pytest.raises(ConfigError) as info:
        run(config)
    message = str(info.value)
    assert f"is in use by another embedlab run (pid {os.getpid()} on host " in message
    assert "test holder" in message and "choose another --out" in message
    assert not (config.out / "results.json").exists()
    run(config)  # released: the folder is usable again


def test_lock_of_a_dead_run_is_taken_over_with_a_warning(
    tmp_path: Path, shapes_dir: Path
) -> None:
    import json
    import socket

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    config = _config(tmp_path, shapes_dir)
    lock = lock_path(config.out)
    lock.parent.mkdir(parents=True)
    record = {"pid": pid, "host": socket.gethostname(), "command": "embedlab run",
              "started": "2026-01-01T00:00:00Z"}  # fmt: skip
    lock.write_text(json.dumps(record))
    with pytest.warns(StaleLockWarning, match=f"pid {pid} on host .* is no longer running"):
        log = run(config)
    assert log.status == "complete" and not lock.exists()


def test_lock_recorded_by_another_host_is_not_taken_over(
    tmp_path: Path, shapes_dir: Path
) -> None:
    config = _config(tmp_path, shapes_dir)
    lock = lock_path(config.out)
    lock.parent.mkdir(parents=True)
    lock.write_text('{"pid": 4242, "host": "elsewhere.example", "command": "embedlab run"}')
    with pytest.raises(ConfigError, match=rf"another host \(pid 4242 on host elsewhere.example.*"
                       rf"delete {lock}"):  # fmt: skip
        run(config)
    assert lock.exists()


_SLOW_CHILD = r"""
import sys, time
from pathlib import Path
from embedlab.models.base import ModelSpec, SourceDefaults
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.sources.fake import FAKE_SOURCE

started, release = Path(sys.argv[1]), Path(sys.argv[2])


class Slow(SourceDefaults):
    def fingerprint(self, spec):
        return "slow"

    def load(self, spec):
        inner = FAKE_SOURCE.load(ModelSpec(source="fake", ref="16"))

        class Enc:
            def __init__(self):
                self.spec = spec

            def encode_images(self, images):
                started.touch()
                deadline = time.monotonic() + 120
                while not release.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
                return inner.encode_images(images)

            def encode_texts(self, texts, role="query"):
                return inner.encode_texts(texts)

        return Enc()


MODEL_SOURCES._factories["slow"] = Slow()
sys.argv = ["embedlab", *sys.argv[3:]]
from embedlab.cli.app import main
main()
"""


def test_two_processes_on_one_out(tmp_path: Path, shapes_dir: Path) -> None:
    """Two real ``embedlab run`` processes: the second fails at once naming the first's pid.

    The first blocks inside encoding (so it holds the lock) until the test releases it; no
    timing is asserted, only bounded by timeouts.
    """
    started, release = tmp_path / "started", tmp_path / "release"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    config = _config(tmp_path, shapes_dir, models=["slow:x"])
    first = subprocess.Popen(
        [sys.executable, "-c", _SLOW_CHILD, str(started), str(release), *_cli_args(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline, "the first run never started encoding"
            time.sleep(0.05)
        second = subprocess.run(
            [sys.executable, "-c", _SLOW_CHILD, str(started), str(release), *_cli_args(config)],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        release.touch()
        _, err = first.communicate(timeout=120)
    finally:
        release.touch()
        if first.poll() is None:
            first.kill()
            first.wait()
    assert second.returncode == 2
    assert second.stderr.startswith(
        f"error: --out {config.out} is in use by another embedlab run (pid {first.pid} on host "
    ), second.stderr
    assert second.stderr.count("\n") == 1
    assert first.returncode == 0, err
    assert read_results(config.out).status == "complete"
    _assert_clean(config.out)


# --- a different run's results in --out ------------------------------------------------------


def test_different_config_is_refused_then_overwritten(
    tmp_path: Path, shapes_dir: Path
) -> None:
    first = run(_config(tmp_path, shapes_dir))
    old_outcomes = [o.path for o in first.outcomes]
    before = _published(tmp_path / "out")
    other = _config(tmp_path, shapes_dir, bootstrap=60, seed=3)
    with pytest.raises(ConfigError) as info:
        run(other)
    assert str(info.value) == (
        f"--out {other.out} holds the results of a different run (bootstrap: 50 → 60; seed: "
        "0 → 3); choose another --out, or pass --overwrite to replace those results"
    )
    assert _published(tmp_path / "out") == before
    log = run(other.model_copy(update={"overwrite": True}))
    assert read_results(other.out) == log and log.config["seed"] == 3
    listed = sorted(o.path for o in log.outcomes)
    on_disk = sorted(f"outcomes/{p.name}" for p in (other.out / "outcomes").iterdir())
    assert on_disk == listed and set(listed).isdisjoint(old_outcomes)
    parts = sorted(p.stem for p in (other.out / ".embedlab" / "parts").iterdir())
    assert len(parts) == 2 and len(set(parts)) == 1, "the old run's part is removed"
    _assert_clean(other.out)


def test_same_config_resumes_and_ignores_non_result_settings(
    tmp_path: Path, shapes_dir: Path
) -> None:
    config = _config(tmp_path, shapes_dir)
    first = run(config)
    again = run(config.model_copy(update={"batch_size": 2, "workers": 1, "device": "cpu"}))
    assert again.metrics == first.metrics and again.outcomes == first.outcomes


def test_speed_results_in_out_are_not_silently_replaced(
    tmp_path: Path, shapes_dir: Path
) -> None:
    from embedlab.results.io import write_runlog
    from embedlab.results.schema import RunLog

    out = tmp_path / "out"
    speed_config = {"models": ["fake:16"], "batch_sizes": [1]}
    speed_log = RunLog(embedlab_version="0", status="complete", started_at="now",
                       config=speed_config, environment={})  # fmt: skip
    write_runlog(out, speed_log)
    kind = r"another kind of run \(its config names no tasks: e\.g\. embedlab speed\)"
    with pytest.raises(ConfigError, match=f"holds the results of {kind}"):
        run(_config(tmp_path, shapes_dir))


# --- file-system faults while writing --------------------------------------------------------


def _fill(disk: Path, leave_pages: int) -> None:
    """Fill the file system of ``disk`` but for ``leave_pages`` pages."""
    page = os.sysconf("SC_PAGE_SIZE")
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * page)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    os.truncate(filler, filler.stat().st_size - leave_pages * page)


def test_full_disk_keeps_the_old_set(
    tmp_path: Path, shapes_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real full disk (tmpfs) while the new run writes its part and its set.

    Five free pages hold the new part (3 pages) and two staged files but not the manifest:
    before results were published as a set, this left the new results.csv beside the old
    results.json.
    """
    with _tmpfs(tmp_path / "disk", "size=2m") as disk:
        out = disk / "out"
        run(_config(tmp_path, shapes_dir, out=out))
        before = _published(out)
        _fill(disk, leave_pages=5)
        code, err = _cli(_cli_args(_config(tmp_path, shapes_dir, out=out, bootstrap=60),
                                   "--overwrite"), capsys)  # fmt: skip
        after = _published(out)
        _assert_clean(out)
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith(f"error: cannot write {out}/"), err
    assert lines[-1].endswith(": No space left on device; free some space there or choose "
                              "another folder")  # fmt: skip
    assert after == before


def _count_writes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    real = _atomic._open_temp

    def spy(folder: Path, name: str) -> tuple[BinaryIO, Path]:
        calls.append(folder / name)
        return real(folder, name)

    monkeypatch.setattr(_atomic, "_open_temp", spy)
    return calls


# a run with a warm embedding cache writes: part parquet, part json, the staged outcome file,
# results.csv, results.json
N_WRITES = 5


@pytest.mark.parametrize("failing", range(N_WRITES))
def test_enospc_at_each_write_keeps_the_old_set(
    tmp_path: Path, shapes_dir: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    config = _config(tmp_path, shapes_dir)
    run(config)
    before = _published(config.out)
    new = config.model_copy(update={"bootstrap": 60, "overwrite": True})
    with monkeypatch.context() as patch:
        calls = _count_writes(patch)
        run(new.model_copy(update={"out": tmp_path / "dry"}))
    assert len(calls) == N_WRITES, calls
    real = _atomic._open_temp
    seen: list[Path] = []

    def open_temp(folder: Path, name: str) -> tuple[BinaryIO, Path]:
        seen.append(folder / name)
        handle, tmp = real(folder, name)
        if len(seen) - 1 != failing:
            return handle, tmp

        return FullDiskFile(handle, 4), tmp  # type: ignore[return-value]  # 4 bytes fit

    monkeypatch.setattr(_atomic, "_open_temp", open_temp)
    with pytest.raises(ResultsError) as info:
        run(new)
    assert str(info.value) == (
        f"cannot write {seen[failing]}: No space left on device; free some space there or "
        "choose another folder"
    )
    assert _published(config.out) == before
    _assert_clean(config.out)


# --- what is left and how it reads -----------------------------------------------------------


def test_published_files_follow_the_umask(tmp_path: Path, shapes_dir: Path) -> None:
    old = os.umask(0o022)
    try:
        run(_config(tmp_path, shapes_dir))
    finally:
        os.umask(old)
    out = tmp_path / "out"
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"results.json", "results.csv"} <= {p.name for p in files}
    modes = {str(p.relative_to(out)): oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    assert set(modes.values()) == {"0o644"}, modes


def test_leftovers_of_an_interrupted_run_are_removed(tmp_path: Path, shapes_dir: Path) -> None:
    """A killed run's temporary files (the old fixed name included) and staging folders."""
    config = _config(tmp_path, shapes_dir)
    run(config)
    out = config.out
    (out / "outcomes" / ".fake_16__shapes.parquet.tmp").touch()
    (out / ".results.json.abc123.tmp").touch()
    (out / ".embedlab" / "parts" / ".x.json.k2j3.tmp").touch()
    (out / ".embedlab" / "staging-k2j3" / "outcomes").mkdir(parents=True)
    (out / ".embedlab-probe.k2j3.probe").touch()
    run(config)
    _assert_clean(out)
