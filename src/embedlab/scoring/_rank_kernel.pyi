"""Types of the optional C extension ``_rank_kernel.c`` (see its header comment)."""

from typing import Any

def scan(
    scores: Any,
    m: int,
    n: int,
    col: Any,
    first: Any,
    row_lo: Any,
    row_hi: Any,
    lo: Any,
    hi: Any,
    lo_s: Any,
    hi_s: Any,
    positive: Any,
    rank: Any,
    above: Any,
    above_s: Any,
    band_cols: Any,
    band_vals: Any,
    band_s_cols: Any,
    band_s_vals: Any,
    band_r_rows: Any,
    band_r_vals: Any,
    start: int,
    /,
) -> tuple[int, int, int, int]: ...
def isa() -> str: ...
def set_avx512(allow: object, /) -> None: ...
