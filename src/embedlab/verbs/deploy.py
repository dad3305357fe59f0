"""``embedlab deploy``: a projection for N items per model and index configuration.

Every model of RUN (quality or speed-only run) is crossed with the configurations of INDEX_RUN
(an ``embedlab index`` study): the study of the same model when there is one, else that of
another model, scaled by dimension (the label says so). Arithmetic and labels:
:mod:`embedlab.verbs.deploy_projection`. Output: ``deploy.md`` and ``deploy.csv`` in ``--out``
(written atomically under the folder's lock) and the table returned for the terminal.
"""

from __future__ import annotations

from pathlib import Path

from embedlab._atomic import ensure_writable_dir, write_text_atomic
from embedlab.errors import ConfigError
from embedlab.report.index_deploy import deploy_csv, deploy_markdown
from embedlab.results.lock import output_lock
from embedlab.verbs.deploy_projection import (
    DEFAULT_ITEMS,
    Figure,
    encode_rate,
    measured_configs,
    model_dim,
    project,
    read_log,
)


def deploy(
    run: Path,
    index_run: Path,
    out: Path,
    items: int = DEFAULT_ITEMS,
    images_per_s: float | None = None,
    embedding_dim: int | None = None,
) -> list[Figure]:
    """Project every (model, configuration) to ``items`` vectors; write deploy.md/.csv."""
    if items < 1:
        raise ConfigError(f"--items {items}: must be a positive number of items")
    log = read_log(run, "RUN")
    study = measured_configs(read_log(index_run, "INDEX_RUN"))
    models = list(dict.fromkeys([*log.config.get("models", []), *(r.model for r in log.speed)]))
    if not models:
        raise ConfigError(f"RUN {run}: no models in its results.json")
    figures: list[Figure] = []
    for model in models:
        dim = model_dim(log, model, embedding_dim)
        rate = encode_rate(log, model, images_per_s)
        source = model if model in study else next(iter(study))
        for measured in study[source]:
            figures += project(model, dim, measured, items, rate, source)
    ensure_writable_dir(out, "--out")
    with output_lock(out, "embedlab deploy"):
        write_text_atomic(out / "deploy.csv", deploy_csv(figures))
        write_text_atomic(out / "deploy.md", deploy_markdown(figures, items))
    return figures
