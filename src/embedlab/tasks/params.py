"""Filling a task's declared parameters from run flags and ``-T name=value`` overrides.

A run has flags that several tasks understand (``--data-dir`` → ``data_dir``, ``--protocol`` →
``protocols``, ``--split``, ``--hub-id``, ``--classnames``, ``--templates``, ``--muvera``); each
task takes the ones its parameter model declares and ignores the rest (the run refuses
``--muvera`` for a task without that parameter). ``-T name=value`` sets any declared field by
name (overriding a flag); a name no task of the run declares is an error that lists the ones they
do. Values given as text are validated by the model (``"a,b"`` fills a tuple field).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, get_args, get_origin

from pydantic import ValidationError

from embedlab.errors import ConfigError
from embedlab.tasks.base import TaskDef, TaskParams

#: The run flag behind each well-known parameter name (for messages).
FLAGS = {
    "data_dir": "--data-dir",
    "protocols": "--protocol",
    "split": "--split",
    "hub_id": "--hub-id",
    "classnames": "--classnames",
    "templates": "--templates",
    "muvera": "--muvera",
}


def check_overrides(definitions: Sequence[TaskDef[Any]], overrides: Mapping[str, str]) -> None:
    """Refuse ``-T`` names that none of ``definitions`` declares (listing the declared ones)."""
    declared = {f for d in definitions for f in d.params.model_fields}
    unknown = sorted(set(overrides) - declared)
    if unknown:
        tasks = ", ".join(d.name for d in definitions)
        raise ConfigError(
            f"-T {unknown[0]}: no task of this run ({tasks}) has that parameter; "
            f"their parameters: {', '.join(sorted(declared)) or 'none'}"
        )


def fill_params(
    definition: TaskDef[Any], flags: Mapping[str, object], overrides: Mapping[str, str]
) -> TaskParams:
    """The parameters of ``definition`` from the run's ``flags`` and ``-T`` ``overrides``.

    Raises:
        ConfigError: a value does not validate (the message names the flag or ``-T`` name).
    """
    fields = definition.params.model_fields
    values: dict[str, object] = {k: v for k, v in flags.items() if k in fields}
    for key, raw in overrides.items():
        if key in fields:
            values[key] = _from_text(raw, fields[key].annotation)
    try:
        params = definition.params.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "?"
        flag = f"-T {name}" if name in overrides else FLAGS.get(name, f"-T {name}")
        raise ConfigError(f"task {definition.name}: {flag}: {error['msg']}") from None
    if not isinstance(params, TaskParams):  # pragma: no cover - registry contract
        raise ConfigError(f"task {definition.name} declares no TaskParams model")
    return params


def _from_text(raw: str, annotation: Any) -> object:
    """``"a,b"`` → ``("a", "b")`` for tuple/list fields; other text is left to the model."""
    kinds = {get_origin(annotation), *(get_origin(a) for a in get_args(annotation))}
    if kinds & {tuple, list}:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw
