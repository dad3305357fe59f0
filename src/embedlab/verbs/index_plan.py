"""Which index configurations one search problem gets, in which order, and whether they fit.

``--index`` values (:func:`embedlab.indexes.spec.parse_index`) expand on the problem's corpus
size and dimension; without any, the default sweep of the ``--backend`` family
(:func:`embedlab.indexes.spec.default_sweep`). ``--dim`` values (Matryoshka) combine with every
configuration that does not name its own ``dim=``. The numpy ``exact`` configuration is always
studied at the full dimension (the baseline every row is judged against) and at every dimension
in use (the reference neighbours of ``recall_vs_exact``). Configurations are grouped by build
(:meth:`IndexConfig.build_key`), exact builds first. A configuration whose RAM estimate
(:func:`embedlab.indexes.memory.check_memory`) does not fit is refused before any work.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab.errors import ConfigError
from embedlab.indexes.base import IndexConfig
from embedlab.indexes.memory import check_memory
from embedlab.indexes.spec import default_sweep, expand, parse_index

EXACT = "exact"


def check_dims(dims: Sequence[int], dim: int) -> None:
    """``--dim`` values must be in ``1..dim``."""
    for d in dims:
        if not 1 <= d <= dim:
            raise ConfigError(f"--dim {d}: must be between 1 and the embedding dimension {dim}")


def plan_configs(
    indexes: Sequence[str],
    dims: Sequence[int],
    family: str,
    n: int,
    dim: int,
    notes: list[str],
) -> list[list[IndexConfig]]:
    """Configurations grouped by build, exact builds first (see the module docstring)."""
    check_dims(dims, dim)
    asked: tuple[int | None, ...] = (None, *dims)

    def skipped(name: str, reason: str) -> None:
        note = f"default sweep: {name} left out on {n:,} vectors ({reason})"
        if note not in notes:
            notes.append(note)

    if indexes:
        configs = [c for text in indexes for c in expand(parse_index(text), n, dim, asked)]
    else:
        configs = default_sweep(n, dim, family, asked, on_skip=skipped)  # type: ignore[arg-type]
    in_use = sorted({c.dim for c in configs if c.dim is not None})
    exact = [IndexConfig.of(EXACT), *(IndexConfig.of(EXACT, dim=d) for d in in_use)]
    ordered = list(dict.fromkeys([*exact, *configs]))
    groups: dict[str, list[IndexConfig]] = {}
    for config in ordered:
        groups.setdefault(config.build_key(), []).append(config)
    return list(groups.values())


def check_fits(groups: Sequence[Sequence[IndexConfig]], n: int, dim: int) -> None:
    """Refuse (ConfigError with the estimate and the available RAM) what would not fit."""
    for group in groups:
        check_memory(group[0], n, dim)
