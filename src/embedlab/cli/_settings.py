"""Validating command-line settings into a config model, with errors that name the flag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from embedlab.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def build_config(model_cls: type[M], settings: dict[str, Any], flags: Mapping[str, str] = {}) -> M:
    """``model_cls(**settings)``; a bad value raises ConfigError naming its ``--flag``.

    ``flags`` maps a field to its flag where the default guess (``--`` + field with dashes,
    plural ``s`` dropped: ``batch_sizes`` → ``--batch-size``) is wrong.
    """
    try:
        return model_cls(**settings)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        flag = flags.get(field, "--" + field.replace("_", "-").removesuffix("s"))
        raise ConfigError(f"{flag}: {first['msg']} (got {first.get('input')!r})") from None
