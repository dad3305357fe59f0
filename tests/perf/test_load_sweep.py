"""``embedlab speed`` against ``embedlab serve`` on 127.0.0.1 (started and stopped by the test):
parity and load rows in results.json and speed.csv, a key that appears nowhere, and the
configurations a load test refuses."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from embedlab.errors import ConfigError
from embedlab.perf.config import SpeedConfig
from embedlab.perf.load_sweep import is_load_test
from embedlab.verbs._serve_app import Served, build_app
from embedlab.verbs.serve import ServeConfig, prepare
from embedlab.verbs.speed import speed
from tests.verbs._server import running

KEY = "sk-load-test-4b1d8e2f90aa"


def test_load_test_against_the_reference_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOAD_KEY", KEY)
    base = prepare(ServeConfig(model="fake:16"))
    served = Served(base.encoder, base.fingerprint, base.dim, base.limits, api_key=KEY)
    messages: list[str] = []
    with running(build_app(served)) as url:
        config = SpeedConfig(
            models=["fake:16"], out=tmp_path / "out", runtimes=[f"openai+{url}"],
            batch_sizes=[4], modalities=["text"], concurrency=[4, 1], warmup_seconds=0.05,
            min_seconds=0.3, min_iterations=5, api_key_env="LOAD_KEY",
        )  # fmt: skip
        outcome = speed(config, notify=messages.append)
    rows = outcome.log.speed
    assert {r.concurrency for r in rows if r.load} == {1, 4}  # levels sorted and both measured
    parity = {r.metric: r.value for r in rows if r.metric.startswith("parity_")}
    assert parity == {
        "parity_cosine_mean": pytest.approx(1.0),
        "parity_cosine_min": pytest.approx(1.0),
    }
    qps = {r.concurrency: r for r in rows if r.metric == "qps"}
    assert qps[1].value > 0 and qps[1].load["errors"] == {}  # type: ignore[index]
    assert qps[1].load["server_cpu_measured"] is False  # type: ignore[index]  # same process
    with (tmp_path / "out" / "speed.csv").open() as handle:
        lines = list(csv.DictReader(handle))
    assert [(line["load_mode"], line["load_level"]) for line in lines] == [
        ("closed", "1.0"), ("closed", "4.0")
    ]  # fmt: skip
    assert any("knee" in note for note in outcome.log.notes)
    out, err = capfd.readouterr()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(KEY.encode() not in p.read_bytes() for p in written)
    assert KEY not in out + err + "".join(messages)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"runtimes": ["torch"], "concurrency": [1]}, "drive a load test of an endpoint"),
        ({"runtimes": ["torch", "tei+http://h:1"]}, "in separate speed runs"),
        ({"runtimes": ["tei+http://h:1"], "concurrency": [1], "rates": [5.0]}, "not both"),
        ({"runtimes": ["tei+http://h:1"], "modalities": ["image"]}, "text only"),
    ],
)
def test_refused_configurations(settings: dict[str, object], problem: str, tmp_path: Path) -> None:
    config = SpeedConfig(models=["fake:16"], out=tmp_path, **settings)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=problem):
        is_load_test(config)
