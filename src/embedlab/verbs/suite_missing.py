"""One message for everything a suite lacks, before any work starts.

Every quality model's weights and every dataset a quality task reads are looked up locally
(:mod:`embedlab.verbs.suite_inputs`). Something absent is missing only when it cannot be
fetched now: the Hub is unreachable or ``HF_HUB_OFFLINE`` is set
(:func:`embedlab.core.hub.hub_unreachable_reason`; asked once, only when something is absent),
or a dataset's ``--data-dir`` folder lacks its files. The error lists every missing item with
where to put it, and says that ``--only speed`` runs the speed half on ``arch:`` weights
offline. The speed half needs nothing: absent weights are replaced by the ``arch:`` twin in the
plan (:mod:`embedlab.verbs.suite_plan`).
"""

from __future__ import annotations

from collections.abc import Callable

from embedlab.errors import DataError
from embedlab.verbs.suite_inputs import DATASETS, dataset_present, hub_cache, weights_of
from embedlab.verbs.suite_plan import SuitePlan, needs_remote_code

HubReason = Callable[[], str | None]


def _hub_reason() -> str | None:
    from embedlab.core.hub import hub_unreachable_reason

    return hub_unreachable_reason()


def missing_items(plan: SuitePlan, hub_reason: HubReason = _hub_reason) -> list[str]:
    """One line per missing input of ``plan``'s quality part (empty: all can be had)."""
    lines: list[str] = []  # weights first, then datasets
    data: list[str] = []
    reason: list[str | None] = []

    def offline() -> str | None:
        if not reason:
            reason.append(hub_reason())
        return reason[0]

    seen: set[str] = set()
    lines.extend(_untrusted(plan))
    for group in plan.quality:
        for model in group.config.models:
            weights = weights_of(model)
            if model in seen or weights.present or not weights.needed:
                continue
            seen.add(model)
            if weights.path is not None:
                lines.append(f"weights of {model}: the folder {weights.path} does not exist")
            elif weights.hub_id is not None and offline() is not None:
                lines.append(_weights_line(model, weights.hub_id, weights.revision,
                                           weights.size_gb))  # fmt: skip
        for task, folder in group.data.items():
            if task in seen or dataset_present(task, folder, plan.cache_dir):
                continue
            if folder is None and offline() is None:
                continue  # read from the Hub on first use
            seen.add(task)
            data.append(_data_line(task, folder is not None, plan))
    return lines + data


def _untrusted(plan: SuitePlan) -> list[str]:
    """A line per model that ships its own code but is not trusted (quality or real-weights
    speed; an ``arch:`` stand-in runs embedlab's own code)."""
    names = {model: g.config.trust_remote_code for g in plan.quality for model in g.config.models}
    for group in plan.speed:
        names.update((model, group.config.trust_remote_code) for model in group.config.models)
    return [
        f"model {model} ships its own modelling code: pass --trust-remote-code (or "
        "trust_remote_code = true on its entry in the suite file); the revision loaded is "
        "pinned and recorded"
        for model, trusted in names.items()
        if not trusted and needs_remote_code(model)
    ]


def _weights_line(model: str, hub_id: str, revision: str | None, size: float | None) -> str:
    pin = f" --revision {revision}" if revision else ""
    amount = "size unknown" if size is None else f"{size:.1f} GB"
    return (
        f"weights of {model}: {hub_id} ({amount}) is not in the Hub cache {hub_cache()}; "
        f"download it where the Hub is reachable (huggingface-cli download {hub_id}{pin}) and "
        "copy that cache here, or point HF_HUB_CACHE / HF_HOME at a cache that holds it"
    )


def _data_line(task: str, local: bool, plan: SuitePlan) -> str:
    need = DATASETS.get(task)
    layout = need.layout if need is not None else f"<data-dir>/{task}/ (see embedlab list)"
    size = f" ({need.size})" if need is not None else ""
    where = (
        f"not found under {plan.data_dir}"
        if local
        else "no --data-dir given and the Hub cannot be reached"
    )
    return f"dataset {task}{size}: {where}; expected {layout}"


def check_inputs(plan: SuitePlan, hub_reason: HubReason = _hub_reason) -> None:
    """Raise one :class:`DataError` listing every missing input (nothing has run yet)."""
    lines = missing_items(plan, hub_reason)
    if not lines:
        return
    why = hub_reason()
    hub = f" ({why})" if why else ""
    body = "\n".join(f"  - {line}" for line in lines)
    raise DataError(
        f"suite {plan.suite.name}: {len(lines)} input(s) missing{hub}; nothing was run:\n{body}\n"
        f"  The speed half runs offline now on architecture-exact random weights: "
        f"embedlab run --suite {plan.source or plan.suite.name} --only speed"
    )
