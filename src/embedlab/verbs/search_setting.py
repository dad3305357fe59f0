"""``--executor`` of a verb as the search setting its tasks get (``TaskContext.search``).

``local`` is :data:`~embedlab.scoring.search_executor.LOCAL`. ``ray`` is checked before any
work: a malformed ``--ray-address`` or one where nothing answers is one ConfigError line, a
missing Ray one MissingDependencyError naming the ``ray`` extra (:mod:`embedlab.core.ray_cluster`);
Ray itself is started or joined only when a task first searches.
"""

from __future__ import annotations

from embedlab.core.ray_cluster import import_ray, probe
from embedlab.scoring.search_executor import DEFAULT_CPUS_PER_TASK, LOCAL, SearchExecutor


def search_setting(
    executor: str, address: str | None = None, cpus_per_task: float | None = None
) -> SearchExecutor:
    """The search setting of ``--executor`` (``ray``: checked now, see the module docstring)."""
    if executor != "ray":
        return LOCAL
    if address is not None:
        probe(address)  # refuses a malformed address before importing Ray
    import_ray("the Ray executor (--executor ray)")
    return SearchExecutor("ray", address, cpus_per_task or DEFAULT_CPUS_PER_TASK)
