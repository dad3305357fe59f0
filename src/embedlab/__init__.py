"""embedlab: which embedding model should you deploy?

Public API (verbs): :func:`run` a configuration, :func:`read_results` of a run folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["RunConfig", "read_results", "run"]

if TYPE_CHECKING:
    from embedlab.config.run import RunConfig
    from embedlab.results.schema import RunLog


def run(config: RunConfig) -> RunLog:
    """Run ``config`` (models × tasks), write ``results.json`` into ``config.out``, return it."""
    from embedlab.verbs.run import run as _run

    return _run(config)


def read_results(path: Any) -> RunLog:
    """Read the RunLog of a run folder or ``results.json`` path."""
    from pathlib import Path

    from embedlab.results.io import read_results as _read

    return _read(Path(path))


def __getattr__(name: str) -> Any:
    if name == "RunConfig":
        from embedlab.config.run import RunConfig

        return RunConfig
    raise AttributeError(name)
