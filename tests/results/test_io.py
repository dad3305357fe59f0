import json
from pathlib import Path

import pytest

from embedlab.errors import ResultsError
from embedlab.results.io import read_results, write_runlog
from embedlab.results.schema import SCHEMA_VERSION, MetricRow, RunLog


def _log() -> RunLog:
    row = MetricRow(
        model="fake:4",
        runtime="torch",
        precision="fp32",
        task="shapes",
        dataset="shapes",
        protocol="t2i",
        metric="recall@1",
        k=1,
        value=0.25,
        n=8,
        ci_low=0.1,
        ci_high=0.4,
        ci_method="cluster-percentile-bootstrap",
    )
    return RunLog(
        embedlab_version="0.1.0",
        status="complete",
        started_at="t0",
        config={},
        environment={},
        metrics=[row],
    )


def test_round_trip_and_csv(tmp_path: Path) -> None:
    write_runlog(tmp_path, _log())
    assert read_results(tmp_path) == _log()
    text = (tmp_path / "results.json").read_text()
    assert text.lstrip().startswith('{\n  "schema_version": 1')
    csv_lines = (tmp_path / "results.csv").read_text().splitlines()
    assert csv_lines[0].startswith("model,runtime,precision,task,dataset,protocol,metric,k,value,n")
    assert csv_lines[1].split(",")[6:10] == ["recall@1", "1", "0.25", "8"]


def test_newer_schema_refused(tmp_path: Path) -> None:
    data = json.loads(_log().model_dump_json())
    data["schema_version"] = SCHEMA_VERSION + 1
    (tmp_path / "results.json").write_text(json.dumps(data))
    with pytest.raises(ResultsError, match="newer than this embedlab"):
        read_results(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable results file"),
        ('{"x": 1}', "no integer 'schema_version'"),
        ('{"schema_version": 1, "status": "weird"}', "does not match the results schema"),
    ],
)
def test_bad_files_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "results.json"
    path.write_text(content)
    with pytest.raises(ResultsError, match=message) as info:
        read_results(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="does not exist"):
        read_results(tmp_path / "nope")
