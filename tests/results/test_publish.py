"""Publishing a result set: what a reader can see at every step of the swap."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from embedlab.results.io import read_results, write_runlog
from embedlab.results.publish import publish_results
from embedlab.results.schema import MetricRow, OutcomeFile, RunLog


def _log(tag: str, outcome: str) -> RunLog:
    row = MetricRow(model=tag, runtime="torch", precision="fp32", task="t", dataset="t",
                    protocol="t2i", metric="recall@1", k=1, value=0.5, n=2)  # fmt: skip
    return RunLog(
        embedlab_version="0", status="complete", started_at=tag, config={"tag": tag},
        environment={}, metrics=[row],
        outcomes=[OutcomeFile(model=tag, task="t", path=outcome, columns=["rank"])],
    )  # fmt: skip


def _reader_view(out: Path) -> tuple[str, dict[str, bytes]]:
    """What a reader gets: the manifest's tag and the bytes of each outcome file it lists."""
    log = json.loads((out / "results.json").read_text())
    return log["started_at"], {o["path"]: (out / o["path"]).read_bytes() for o in log["outcomes"]}


def test_reader_sees_a_consistent_set_at_every_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    source = tmp_path / "old.parquet"
    source.write_bytes(b"old outcomes")
    publish_results(out, _log("old", "outcomes/m__t__aaaa.parquet"),
                    outcomes={"outcomes/m__t__aaaa.parquet": source})  # fmt: skip
    expected = {"old": {"outcomes/m__t__aaaa.parquet": b"old outcomes"},
                "new": {"outcomes/m__t__bbbb.parquet": b"new outcomes"}}  # fmt: skip
    views: list[tuple[str, str]] = []  # (file renamed into the set, manifest a reader sees)
    real = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        real(src, dst)
        if ".embedlab" not in Path(dst).parts:  # a rename into the published set
            tag, files = _reader_view(out)
            assert files == expected[tag]
            views.append((str(Path(dst).relative_to(out)), tag))

    monkeypatch.setattr(os, "replace", replace)
    new = tmp_path / "new.parquet"
    new.write_bytes(b"new outcomes")
    publish_results(out, _log("new", "outcomes/m__t__bbbb.parquet"),
                    outcomes={"outcomes/m__t__bbbb.parquet": new})  # fmt: skip
    monkeypatch.undo()
    assert views == [
        ("outcomes/m__t__bbbb.parquet", "old"),
        ("results.csv", "old"),
        ("results.json", "new"),  # the commit point
    ]
    assert _reader_view(out) == ("new", expected["new"])
    assert sorted(p.name for p in (out / "outcomes").iterdir()) == ["m__t__bbbb.parquet"]
    assert "new" in (out / "results.csv").read_text()
    assert list((out / ".embedlab").iterdir()) == [], "staging folder removed"


def test_write_runlog_keeps_listed_outcomes_and_drops_the_rest(tmp_path: Path) -> None:
    """The speed verb's path: outcomes already in place; stray outcome files are removed."""
    out = tmp_path / "out"
    (out / "outcomes").mkdir(parents=True)
    (out / "outcomes" / "kept.parquet").write_bytes(b"k")
    (out / "outcomes" / "stale.parquet").write_bytes(b"s")
    log = _log("x", "outcomes/kept.parquet")
    write_runlog(out, log)
    assert read_results(out) == log
    assert sorted(p.name for p in (out / "outcomes").iterdir()) == ["kept.parquet"]


def test_extra_files_join_the_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish_results(out, _log("x", "outcomes/none.parquet").model_copy(update={"outcomes": []}),
                    extra_texts={"speed_samples.json": '{"cases": []}\n'})  # fmt: skip
    assert (out / "speed_samples.json").read_text() == '{"cases": []}\n'
    assert sorted(p.name for p in out.iterdir()) == [
        ".embedlab", "results.csv", "results.json", "speed_samples.json"
    ]
