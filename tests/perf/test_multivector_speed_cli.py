"""``embedlab speed`` on multi-vector models: a tiny ColPali folder and a shrunk ``arch:`` ColPali.

Rows must carry tokens per item equal to what the model returns for the same inputs, the MaxSim
case must be sized by those token counts, and other runtimes are refused in one line. Timings
are not asserted.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.errors import ConfigError
from embedlab.perf.inputs import synthetic_captions
from embedlab.results.io import read_results
from embedlab.results.schema import SpeedRow

pytest.importorskip("transformers")

QUICK = ["--warmup-iterations", "1", "--warmup-seconds", "0", "--min-iterations", "2",
         "--min-seconds", "0", "--repeats", "1", "--threads", "1"]  # fmt: skip


@pytest.fixture(scope="module")
def colpali_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.fixtures.tiny_colpali import save_tiny_colpali

    return save_tiny_colpali(tmp_path_factory.mktemp("colpali") / "tiny")


def _speed(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["speed", *args, *QUICK])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _one(rows: list[SpeedRow], **match: object) -> SpeedRow:
    found = [r for r in rows if all(getattr(r, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_colpali_folder_rows_carry_tokens_and_a_maxsim_case(
    colpali_dir: Path, tmp_path: Path
) -> None:
    from embedlab.models.encoders.colpali import load_colpali

    code, output = _speed("-m", f"hf:{colpali_dir}", "--out", str(tmp_path), "--batch-size", "2",
                          "--precision", "fp32", "--precision", "bf16",
                          "--maxsim-docs", "40")  # fmt: skip
    assert code == 0, output
    rows = read_results(tmp_path).speed
    # what the model itself returns for the speed inputs: 16 image tokens + 6 prompt tokens
    texts = load_colpali(str(colpali_dir)).encode_texts(synthetic_captions(2))
    text_mean = len(texts.tokens) / 2
    for precision in ("fp32", "bf16"):
        image = _one(rows, metric="throughput", modality="image", precision=precision)
        text = _one(rows, metric="throughput", modality="text", precision=precision)
        assert (image.tokens_per_item, text.tokens_per_item) == (22.0, text_mean)
        assert image.unit == "items/s"
    maxsim = _one(rows, metric="throughput", modality="maxsim")  # one per thread count
    assert maxsim.unit == "docs/s" and maxsim.batch_size == 40 and maxsim.value > 0
    info = maxsim.maxsim
    assert info is not None and (info["docs"], info["doc_tokens"], info["dim"]) == (40, 22, 16)
    assert info["query_tokens"] == round(text_mean)
    assert {r.metric for r in rows if r.modality == "maxsim"} >= {"latency_p50", "peak_rss"}
    parity = _one(rows, metric="parity_cosine_min", modality="text", precision="bf16")
    assert parity.n == len(texts.tokens) and 0.9 < parity.value <= 1.0  # token by token
    assert "docs/s per query" in output and "tokens/item" in output
    lines = list(csv.DictReader((tmp_path / "speed.csv").open()))
    late = [line for line in lines if line["modality"] == "maxsim"]
    assert [(x["batch_size"], x["throughput_unit"]) for x in late] == [("40", "docs/s")]
    assert {x["tokens_per_item"] for x in lines if x["modality"] == "image"} == {"22.0"}
    assert "| 40 x 22 |" in output
    assert "| 40 |" not in output.split("docs x tokens")[0]  # not a line of the encode table


def test_other_runtimes_are_refused_in_one_line(colpali_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:  # the CLI prints it as one line, exit 2
        _speed("-m", f"hf:{colpali_dir}", "--out", str(tmp_path), "--runtime", "onnxruntime",
               "--batch-size", "1")  # fmt: skip
    message = str(info.value)
    assert "nothing could be measured" in message and "\n" not in message
    assert "multi-vector (late-interaction) model, which runs on --runtime torch only" in message
    assert not (tmp_path / "results.json").exists()


def test_arch_colpali_counts_image_tokens_when_only_text_is_timed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from embedlab.models.sources import arch

    real = arch.arch_config("vidore/colpali-v1.3-hf")
    model = copy.deepcopy(real.model)
    vlm, small = model["vlm_config"], {"hidden_size": 32, "intermediate_size": 64}
    vlm.update(hidden_size=32, projection_dim=32)
    vlm["text_config"].update(small, num_hidden_layers=1, num_attention_heads=2, head_dim=16)
    vlm["vision_config"].update(small, num_hidden_layers=1, num_attention_heads=2,
                                projection_dim=32)  # fmt: skip
    shrunk = dataclasses.replace(real, model=model)
    monkeypatch.setattr(arch, "arch_config", lambda hub_id: shrunk)
    code, output = _speed("-m", "arch:vidore/colpali-v1.3-hf", "--out", str(tmp_path),
                          "--modality", "text", "--batch-size", "1",
                          "--maxsim-docs", "8")  # fmt: skip
    assert code == 0, output
    rows = read_results(tmp_path).speed
    text = _one(rows, metric="throughput", modality="text")
    words = len(synthetic_captions(1)[0].split())
    assert text.tokens_per_item == 3 + words + 10 + 1  # <bos> Question : words pads \n
    maxsim = _one(rows, metric="throughput", modality="maxsim")
    assert maxsim.maxsim is not None
    assert (maxsim.maxsim["doc_tokens"], maxsim.maxsim["dim"]) == (1030, 128)  # one page encoded
