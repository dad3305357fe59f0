"""cached_export(): built once, atomically, keyed by everything that shapes the export."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.runtimes.export_cache import cached_export, export_key

PARTS = {"model": "hf:x", "precision": "fp32", "opset": "18"}


def _writer(calls: list[Path]) -> object:
    def build(folder: Path) -> None:
        calls.append(folder)
        (folder / "image.onnx").write_bytes(b"graph")

    return build


def test_built_once_then_reused(tmp_path: Path) -> None:
    calls: list[Path] = []
    first, built = cached_export(tmp_path, PARTS, _writer(calls))  # type: ignore[arg-type]
    again, rebuilt = cached_export(tmp_path, PARTS, _writer(calls))  # type: ignore[arg-type]
    assert (built, rebuilt) == (True, False)
    assert first == again == tmp_path / export_key(PARTS)
    assert len(calls) == 1
    assert (first / "image.onnx").read_bytes() == b"graph"
    assert '"precision": "fp32"' in (first / "meta.json").read_text()


def test_key_changes_with_every_part() -> None:
    keys = {export_key(PARTS)} | {export_key({**PARTS, k: "other"}) for k in PARTS}
    assert len(keys) == len(PARTS) + 1


def test_failed_build_leaves_nothing(tmp_path: Path) -> None:
    def broken(folder: Path) -> None:
        (folder / "half.onnx").write_bytes(b"half")
        raise RuntimeError("exporter crashed")

    with pytest.raises(RuntimeError, match="exporter crashed"):
        cached_export(tmp_path, PARTS, broken)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_exporting_is_one_line(tmp_path: Path) -> None:
    import errno

    from embedlab.errors import ResultsError

    def build(folder: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "text.onnx"))

    with pytest.raises(ResultsError, match=r"cannot write .*No space left on device") as raised:
        cached_export(tmp_path, {"model": "m"}, build)
    assert "\n" not in str(raised.value)
    assert [p.name for p in tmp_path.iterdir()] == []  # scratch folder removed
