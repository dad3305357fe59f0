"""Validating command-line settings into a config model, with errors that name the flag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from embedlab.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def build_config(model_cls: type[M], settings: dict[str, Any], flags: Mapping[str, str] = {}) -> M:
    """``model_cls(**settings)``; a bad value raises ConfigError naming its ``--flag``.

    The flag of a field is, in order: ``flags[field]``; the option of the running command whose
    parameter is the field or its singular (``workers`` → ``--workers``, ``models`` →
    ``--model``); else ``--`` + the singular field with dashes. Bounds read as words:
    ``--workers must be at least 1 (got 0)``.
    """
    try:
        return model_cls(**settings)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        flag = flags.get(field) or _command_flag(field)
        raise ConfigError(f"{flag}{_wording(first)} (got {first.get('input')!r})") from None


def _command_flag(field: str) -> str:
    """The ``--option`` of the running click command that sets ``field`` (or a guess)."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    params = ctx.command.params if ctx is not None else []
    for name in (field, field.removesuffix("s")):
        for param in params:
            longs = [opt for opt in param.opts if opt.startswith("--")]
            if param.name == name and longs:
                return max(longs, key=len)
    return "--" + field.replace("_", "-").removesuffix("s")


def _wording(error: ErrorDetails) -> str:
    """`` must be at least 1`` for pydantic's bound errors; ``: <pydantic message>`` otherwise."""
    ctx = error.get("ctx") or {}
    words = {
        "greater_than_equal": ("must be at least", "ge"),
        "greater_than": ("must be greater than", "gt"),
        "less_than_equal": ("must be at most", "le"),
        "less_than": ("must be less than", "lt"),
    }.get(error["type"])
    if words is not None and words[1] in ctx:
        return f" {words[0]} {ctx[words[1]]}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return ": " + message[:1].lower() + message[1:]


def task_param_pairs(items: list[str]) -> dict[str, str]:
    """``["a=1", "b=x"]`` → ``{"a": "1", "b": "x"}``; anything else names the bad item."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(
                f"-T {item!r}: write a task parameter as NAME=VALUE, e.g. -T split=val"
            )
        out[name.strip()] = value
    return out
