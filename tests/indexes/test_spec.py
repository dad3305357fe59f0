"""``--index`` parsing, expansion to configs, the default sweep, config identity and labels."""

from __future__ import annotations

import pytest

from embedlab.errors import ConfigError
from embedlab.indexes import IndexConfig, default_sweep, expand, parse_index


def test_a_bare_name_takes_the_default_sweep() -> None:
    configs = expand(parse_index("hnsw"), n=5000, dim=64)
    assert [c.search_params()["ef_search"] for c in configs] == [16, 32, 64, 128, 256]
    assert {c.build_key() for c in configs} == {"hnsw|M=32,ef_construction=200|dim=all"}
    assert configs[2].label == "hnsw M=32 efC=200 efS=64"


def test_parameters_aliases_and_sweeps() -> None:
    request = parse_index("hnsw:M=16,efSearch=64/128,dim=32")
    configs = expand(request, n=5000, dim=64)
    assert [c.label for c in configs] == [
        "hnsw M=16 efC=200 efS=64 dim=32",
        "hnsw M=16 efC=200 efS=128 dim=32",
    ]
    rescore = expand(parse_index("binary-rescore:R=4,rescore=int8"), 5000, 64)
    assert [c.label for c in rescore] == ["binary-rescore rescore=int8 R=4"]


def test_nprobe_sweeps_up_to_the_given_nlist() -> None:
    configs = expand(parse_index("ivf-flat:nlist=16"), n=5000, dim=64)
    assert [c.search_params()["nprobe"] for c in configs] == [1, 2, 4, 8, 16]


def test_flag_dims_apply_when_the_value_gives_none() -> None:
    configs = expand(parse_index("exact"), n=100, dim=64, dims=(None, 32))
    assert [c.label for c in configs] == ["exact", "exact dim=32"]
    with pytest.raises(ConfigError, match="dim=128 exceeds the embedding dimension 64"):
        expand(parse_index("flat:dim=128"), n=100, dim=64)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hsnw", r"--index 'hsnw': unknown index backend 'hsnw' \(did you mean 'hnsw'\?\); "
                 r"valid index backends: binary, binary-rescore, exact, flat, hnsw"),
        ("hnsw:foo=1", "hnsw has no parameter 'foo'; valid parameters: M, ef_construction"),
        ("hnsw:M=abc", "M='abc' is not an integer"),
        ("hnsw:M", "expected PARAM=VALUE, got 'M'"),
        ("hnsw:M=1", "M=1 must be >= 2"),
        ("hnsw:M=8,M=16", "M is given twice"),
        ("binary-rescore:rescore=fp16", "rescore='fp16' is not one of float, int8"),
        ("exact:dim=0", "dim='0' must be a positive integer"),
    ],
)  # fmt: skip
def test_bad_values_name_the_flag(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_index(text)
    assert str(info.value).startswith(f"--index {text!r}")


def test_a_corpus_too_small_to_train_is_refused_with_the_minimum() -> None:
    with pytest.raises(ConfigError, match="nlist=64 needs at least 2,496 vectors"):
        expand(parse_index("ivf-flat:nlist=64"), n=1000, dim=64)
    with pytest.raises(ConfigError, match="pq_m=7 must divide the dimension 64"):
        expand(parse_index("ivf-pq:pq_m=7"), n=20000, dim=64)
    with pytest.raises(ConfigError, match="nprobe=32 exceeds nlist=16"):
        expand(parse_index("ivf-flat:nlist=16,nprobe=32"), n=5000, dim=64)


def test_default_sweep_covers_the_study_and_says_what_it_skips() -> None:
    skipped: list[str] = []
    configs = default_sweep(5000, 64, on_skip=lambda name, why: skipped.append(name))
    backends = {c.backend for c in configs}
    assert backends == {
        "exact", "flat", "hnsw", "ivf-flat", "ivf-pq", "sq8", "binary", "binary-rescore"
    }  # fmt: skip
    rescoring = [c.label for c in configs if c.backend == "binary-rescore"]
    assert "binary-rescore rescore=int8 R=10" in rescoring and len(rescoring) == 8
    assert skipped == []
    small = default_sweep(100, 64, on_skip=lambda name, why: skipped.append(name))
    assert "ivf-pq" in skipped and "ivf-pq" not in {c.backend for c in small}
    lance = {c.backend for c in default_sweep(5000, 64, family="lancedb")}
    assert lance == {"lancedb-flat", "lancedb-ivf-pq", "lancedb-hnsw-sq"}


def test_config_identity_is_independent_of_parameter_order() -> None:
    a = IndexConfig.of("hnsw", {"M": 32, "ef_construction": 200}, {"ef_search": 64})
    b = IndexConfig.of("hnsw", {"ef_construction": 200, "M": 32}, {"ef_search": 64})
    assert a == b and hash(a) == hash(b) and a.key() == b.key()
    assert a.key() == "hnsw|M=32,ef_construction=200|dim=all|ef_search=64"
    assert a.with_search({"ef_search": 16}).build_key() == a.build_key()
    assert a.with_search({"ef_search": 16}).key() != a.key()
