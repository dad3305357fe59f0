"""The endpoint flags of ``run`` and ``speed`` and the ``serve`` command, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.errors import ConfigError


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["run", "--runtime", "http://127.0.0.1:9"], "say which API the endpoint speaks"),
        (["run", "--runtime", "torch", "--api", "tei"], "--api tei applies to an endpoint"),
        (["run", "--runtime", "http://127.0.0.1:9", "--api", "grpc"], "'grpc' is not supported"),
        (["speed", "--runtime", "onnxruntime", "--api", "openai"], "applies to an endpoint"),
        (["speed", "--concurrency", "4"], "drive a load test of an endpoint"),
    ],
)
def test_endpoint_flags_are_checked_before_any_work(
    args: list[str], problem: str, tmp_path: Path
) -> None:
    common = ["--model", "fake:8", "--out", str(tmp_path / "o")]
    if args[0] == "run":
        common += ["--task", "beir-synthetic", "--cache-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(app, [*args, *common])
    assert isinstance(result.exception, ConfigError), result.output
    assert problem in str(result.exception)
    assert not (tmp_path / "o").exists()


def test_serve_help_names_both_apis() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "/v1/embeddings" in result.output and "/embed" in result.output
