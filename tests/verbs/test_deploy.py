"""``embedlab deploy``: the projection arithmetic checked by hand, and its labels."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from embedlab.errors import ConfigError
from embedlab.indexes.base import IndexConfig
from embedlab.indexes.memory import memory_estimate
from embedlab.results.io import write_runlog
from embedlab.results.schema import IndexRow, RunLog, SpeedRow
from embedlab.verbs.deploy import deploy


def _log(**fields: Any) -> RunLog:
    settings: dict[str, Any] = {"config": {}, "environment": {}, **fields}
    return RunLog(embedlab_version="0", status="complete", started_at="t", **settings)


def _speed(model: str, value: float, modality: str = "image") -> SpeedRow:
    return SpeedRow(
        model=model,
        runtime="torch",
        precision="fp32",
        device="cpu",
        batch_size=32,
        modality=modality,
        metric="throughput",
        value=value,
        unit="items/s",
        n=1,
    )


def _study(
    model: str = "m",
    dim: int = 64,
    fits: bool = False,
    r2: float = 0.99,
    b: float = 1.1,
    backend: str = "sq8",
) -> RunLog:
    base = {
        "model": model,
        "task": "shapes",
        "protocol": "t2i",
        "index": backend,
        "backend": backend,
        "dim": dim,
    }
    config = {"backend": backend, "build": {}, "search": {}, "dim": None, "n_vectors": 1000}
    rows = [
        IndexRow(**base, metric="build_time", value=0.5, unit="s", details={"config": config}),
        IndexRow(**base, metric="bytes_per_vector", value=70.0, unit="B"),
        IndexRow(**base, metric="latency_p99", value=0.2, unit="ms"),
    ]
    if fits:
        details = {"c": 1e-4, "b": b, "r2": r2, "points": [[1000, 0.5], [4000, 2.0]]}
        rows.append(
            IndexRow(
                **{
                    **base,
                    "metric": "build_time_fit_exponent",
                    "value": b,
                    "source": "fit",
                    "details": details,
                }
            )
        )
    return _log(index=rows)


def _write(folder: Path, log: RunLog) -> Path:
    write_runlog(folder, log)
    return folder


def _by(figures: list[Any]) -> dict[str, Any]:
    return {f.figure: f for f in figures}


def test_projection_by_hand(tmp_path: Path) -> None:
    run = _write(
        tmp_path / "run",
        _log(
            config={"models": ["m"]},
            environment={"models": {"m": {"embedding_dim": 64}}},
            speed=[_speed("m", 250.0), _speed("m", 100.0)],
        ),
    )
    study = _write(tmp_path / "idx", _study())
    got = _by(deploy(run, study, tmp_path / "out", items=2_000_000))
    assert got["raw fp32"].value == 2_000_000 * 64 * 4 == 512_000_000
    assert got["index"].value == 70.0 * 2_000_000
    assert "70.0 B/vector measured on 1,000 vectors" in got["index"].basis
    assert got["index vs raw"].value == pytest.approx(140e6 / 512e6)
    assert got["embed time"].value == 2_000_000 / 250.0 == 8000.0  # the best speed row
    assert got["embed time"].basis.startswith("extrapolated from measured: 250.0 images/s")
    assert got["build time"].value == pytest.approx(0.5 * 2000)  # linear in N
    assert "linearly" in got["build time"].basis
    assert got["query p99"].value == 0.2 and "not extrapolated" in got["query p99"].basis
    assert got["RAM"].value == memory_estimate(IndexConfig.of("sq8"), 2_000_000, 64)
    assert "formula" in got["RAM"].basis
    text = (tmp_path / "out" / "deploy.csv").read_text().splitlines()
    assert text[0] == "model,index,figure,value,unit,basis" and len(text) == 8
    assert "| m | sq8 | raw fp32 | 512.00 MB |" in (tmp_path / "out" / "deploy.md").read_text()


def test_fit_and_flag_and_dimension_scaling(tmp_path: Path) -> None:
    """A speed-only run of another model (arch:, dim 512 from its shipped config) and a study
    of a 64-d model: per-vector bytes and build cost scale by 512 / 64, and the label says so."""
    model = "arch:openai/clip-vit-base-patch16"
    run = _write(tmp_path / "run", _log(speed=[_speed(model, 40.0)]))
    study = _write(tmp_path / "idx", _study(fits=True))
    got = _by(deploy(run, study, tmp_path / "out", items=10_000_000, images_per_s=100.0))
    scale = 512 / 64
    assert got["raw fp32"].value == 10_000_000 * 512 * 4
    # sq8's size model: n*d bytes of codes + 8*d of ranges + a float32 calibration sample
    from embedlab.indexes.sq8 import CALIBRATION_ROWS

    delta = 448 + (8 * 448 + 4 * 448 * min(10_000_000, CALIBRATION_ROWS)) / 10_000_000
    assert got["index"].value == pytest.approx((70.0 + delta) * 10_000_000)
    assert f"moved to 512 by the backend's size model ({delta:+.1f} B/vector)" in got["index"].basis
    assert got["embed time"].value == 100_000.0 and "--images-per-s" in got["embed time"].basis
    assert got["build time"].value == pytest.approx(1e-4 * 10_000_000**1.1 * scale)
    assert "power-law fit" in got["build time"].basis and "1,000, 4,000" in got["build time"].basis
    assert "2,500x beyond the largest measured N" in got["build time"].basis


def test_graph_links_do_not_scale_with_the_dimension(tmp_path: Path) -> None:
    """HNSW (M=32) holds 4*D bytes of vector plus 4*(2M + M/2) + 16 = 336 bytes of links and
    levels per item in the size model: going from D=64 to 512 adds 4 * 448 = 1,792 B a vector."""
    model = "arch:openai/clip-vit-base-patch16"
    run = _write(tmp_path / "run", _log(speed=[_speed(model, 40.0)]))
    study = _write(tmp_path / "idx", _study(backend="hnsw"))
    got = _by(deploy(run, study, tmp_path / "out", items=1_000_000, images_per_s=100.0))
    assert got["index"].value == pytest.approx((70.0 + 1792) * 1_000_000)
    assert "(+1792.0 B/vector)" in got["index"].basis


@pytest.mark.parametrize(("r2", "b"), [(0.5, 1.1), (0.99, -0.4)])
def test_a_poor_fit_is_not_projected(tmp_path: Path, r2: float, b: float) -> None:
    run = _write(tmp_path / "run", _log(speed=[_speed("m", 40.0)]))
    study = _write(tmp_path / "idx", _study(fits=True, r2=r2, b=b))
    got = _by(deploy(run, study, tmp_path / "out", embedding_dim=64))
    assert math.isnan(got["build time"].value)
    assert got["build time"].basis.startswith("not projected: the power-law fit")
    table = (tmp_path / "out" / "deploy.md").read_text()
    assert "| m | sq8 | build time | not projected |" in table


def test_errors_name_what_is_missing(tmp_path: Path) -> None:
    run = _write(tmp_path / "run", _log(config={"models": ["m"]}))
    study = _write(tmp_path / "idx", _study())
    with pytest.raises(ConfigError, match="embedding dimension of m"):
        deploy(run, study, tmp_path / "out")
    with pytest.raises(ConfigError, match="no speed rows for m"):
        deploy(run, study, tmp_path / "out", embedding_dim=64)
    with pytest.raises(ConfigError, match="INDEX_RUN"):
        deploy(run, tmp_path / "nowhere", tmp_path / "out")
    with pytest.raises(ConfigError, match="--items 0"):
        deploy(run, study, tmp_path / "out", items=0)
