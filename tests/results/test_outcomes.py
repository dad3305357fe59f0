from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import ResultsError
from embedlab.results.outcomes import Outcomes, read_outcomes, write_outcomes


def test_round_trip_several_protocols(tmp_path: Path) -> None:
    tables = [
        Outcomes("t2i", ["c1", "c2", "c3"], ["i1", "i1", "i2"], {"rank": np.array([1, 4, 2])}),
        Outcomes("i2t", ["i1", "i2"], ["i1", "i2"], {"rank": np.array([3, 1])}),
    ]
    path = tmp_path / "o.parquet"
    write_outcomes(path, tables)
    back = read_outcomes(path)
    assert [t.protocol for t in back] == ["t2i", "i2t"]
    assert back[0].query_ids == ["c1", "c2", "c3"]
    assert back[0].cluster_ids == ["i1", "i1", "i2"]
    np.testing.assert_array_equal(back[1].values["rank"], [3, 1])


def test_misaligned_columns_refused() -> None:
    with pytest.raises(ResultsError, match="misaligned"):
        Outcomes("t2i", ["a", "b"], ["x"], {"rank": np.array([1, 2])})


def test_unreadable_file_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"nope")
    with pytest.raises(ResultsError, match=r"bad\.parquet"):
        read_outcomes(path)
