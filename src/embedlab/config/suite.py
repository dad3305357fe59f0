"""Suite files: models × tasks × protocols × speed settings × report options × seeds, in TOML.

A suite file (``embedlab run SUITE`` or ``--suite NAME|PATH``) holds::

    name = "my-suite"                 # label of the suite (default: the file's stem)
    out = "runs/my-suite"             # default --out
    data_dir = "~/data"               # each dataset at <data_dir>/<dataset>/ (see docs)
    seed = 0                          # bootstrap seed; bootstrap = 1000, confidence = 0.95
    models = ["clip-vit-b-16", {model = "colpali-v1.3", batch_size = 4}]
    [[tasks]]                         # or tasks = ["shapes", ...]
    name = "coco-karpathy"
    protocols = ["t2i-first", "t2i", "i2t"]
    params = {split = "test"}         # any parameter the task declares (-T NAME=VALUE)
    [quality]                         # runtimes × precisions of the quality part, batch size...
    [speed]                           # embedlab speed's settings (+ parity, reuse, models)
    [report]                          # report = true, title, the Pareto plot's axes

Every table refuses keys it does not know (pydantic ``extra="forbid"``): :func:`load_suite`
turns the first problem into one :class:`~embedlab.errors.ConfigError` line naming the file, the
key's dotted path (``models[2].runtim``), the allowed keys and the closest one. The built-in
suites are package data in ``config/suites/*.toml`` (:func:`builtin_suites`).
"""

from __future__ import annotations

import types
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from embedlab.errors import ConfigError, UnknownNameError, did_you_mean
from embedlab.models.base import PRECISIONS

SUITES_FOLDER = "suites"
_STRICT = ConfigDict(frozen=True, extra="forbid")
ParamValue = str | int | float | bool | list[str]


class SuiteModel(BaseModel):
    """One model: a preset name or any ``--model`` string, with per-model settings.

    ``runtime``/``precision`` replace ``[quality]``'s for this model; ``batch_size`` is its
    quality batch and, unless ``speed_batch_sizes`` is set, its one speed batch size.
    """

    model_config = _STRICT
    model: str = Field(min_length=1)
    runtime: str | None = None
    precision: str | None = None
    trust_remote_code: bool = False
    batch_size: int | None = Field(default=None, ge=1)
    speed_batch_sizes: list[int] | None = None

    @field_validator("precision")
    @classmethod
    def _precision(cls, value: str | None) -> str | None:
        return None if value is None else _one_of(value, PRECISIONS)


class SuiteTask(BaseModel):
    """One task with its retrieval protocols and any declared task parameter; ``models``
    limits it to those of the suite's models (default: all)."""

    model_config = _STRICT
    name: str = Field(min_length=1)
    protocols: list[str] = []
    params: dict[str, ParamValue] = {}
    models: list[str] | None = None


class QualitySettings(BaseModel):
    """The quality part: every model on every task for each runtime × precision."""

    model_config = _STRICT
    runtimes: list[str] = Field(default=["torch"], min_length=1)
    precisions: list[str | None] = Field(default=[None], min_length=1)
    batch_size: int = Field(default=32, ge=1)
    device: str = "cpu"
    workers: int = Field(default=2, ge=1)

    @field_validator("precisions")
    @classmethod
    def _precisions(cls, values: list[str | None]) -> list[str | None]:
        return [None if v is None else _one_of(v, PRECISIONS) for v in values]


class SpeedSettings(BaseModel):
    """The speed part (``embedlab speed``'s settings); ``models`` defaults to the suite's.

    ``parity``: add the torch fp32 reference case so every other case gets parity rows;
    ``reuse``: keep speed rows measured earlier in ``out`` with the same settings (a re-run
    measures nothing already measured); ``enabled = false`` drops the speed part.
    """

    model_config = _STRICT
    enabled: bool = True
    models: list[str] | None = None
    runtimes: list[str] = Field(default=["torch"], min_length=1)
    precisions: list[str] = Field(default=["fp32"], min_length=1)
    batch_sizes: list[int] = Field(default=[1, 32], min_length=1)
    modalities: list[Literal["image", "text"]] = Field(default=["image", "text"], min_length=1)
    threads: list[int] | None = None
    warmup_seconds: float = Field(default=2.0, ge=0)
    min_seconds: float = Field(default=3.0, ge=0)
    min_iterations: int = Field(default=10, ge=1)
    repeats: int = Field(default=3, ge=1)
    parity: bool = True
    reuse: bool = True

    @field_validator("precisions")
    @classmethod
    def _precisions(cls, values: list[str]) -> list[str]:
        return [_one_of(v, PRECISIONS) for v in values]


class ReportSettings(BaseModel):
    """Whether the report (report.html, report.md) is written, and the Pareto plot's axes."""

    model_config = _STRICT
    enabled: bool = True
    title: str | None = None
    pareto_metric: str | None = None
    pareto_task: str | None = None
    pareto_protocol: str | None = None
    pareto_modality: str = "image"


class Suite(BaseModel):
    """A whole suite file (see the module docstring)."""

    model_config = _STRICT
    name: str = ""
    description: str = ""
    out: Path | None = None
    data_dir: Path | None = None
    models: list[SuiteModel] = Field(min_length=1)
    tasks: list[SuiteTask] = []
    quality: QualitySettings = QualitySettings()
    speed: SpeedSettings = SpeedSettings()
    report: ReportSettings = ReportSettings()
    seed: int = 0
    bootstrap: int = Field(default=1000, ge=0)
    confidence: float = Field(default=0.95, gt=0, lt=1)

    @field_validator("models", "tasks", mode="before")
    @classmethod
    def _bare_names(cls, values: Any, info: Any) -> Any:
        """``"name"`` stands for ``{model = "name"}`` / ``{name = "name"}``."""
        key = "model" if info.field_name == "models" else "name"
        if isinstance(values, list):
            return [{key: v} if isinstance(v, str) else v for v in values]
        return values

    @field_validator("out", "data_dir")
    @classmethod
    def _home(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()


def builtin_suites() -> list[str]:
    """Names of the suites shipped with embedlab (``config/suites/<name>.toml``)."""
    folder = resources.files("embedlab.config").joinpath(SUITES_FOLDER)
    names = [p.name for p in folder.iterdir()]
    return sorted(n.removesuffix(".toml") for n in names if n.endswith(".toml"))


def load_suite(source: str | Path) -> Suite:
    """The suite ``source``: a path to a ``.toml`` file or a built-in suite's name.

    Raises:
        ConfigError: not TOML, or a key is unknown or has the wrong type (one line).
        UnknownNameError: neither a file nor a built-in suite (lists the built-ins).
    """
    path = Path(source).expanduser()
    if path.is_file():
        label, text = str(path), _read(path)
    elif str(source) in builtin_suites():
        label = f"built-in suite {source}"
        folder = resources.files("embedlab.config").joinpath(SUITES_FOLDER)
        text = folder.joinpath(f"{source}.toml").read_text("utf-8")
    elif str(source).endswith(".toml"):
        raise ConfigError(f"suite file {str(source)!r} does not exist")
    else:
        raise UnknownNameError("suite", str(source), builtin_suites())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: not valid TOML: {exc}") from None
    data.setdefault("name", path.stem if path.is_file() else str(source))
    try:
        return Suite.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{label}: {_problem(exc)}") from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"suite file {path} cannot be read: {exc}") from None


def _problem(exc: ValidationError) -> str:
    """The first validation error as ``key path: what is wrong`` (+ how many more); an unknown
    key comes first (a misspelt required key is also reported missing)."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")  # typos first
    first = errors[0]
    loc = tuple(first["loc"])
    dotted = _dotted(loc)
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed)
        return f"unknown key {dotted}{hint}; allowed here: {', '.join(allowed)}{more}"
    if first["type"] == "missing":
        return f"{dotted} is required{more}"
    return f"{dotted}: {first['msg']} (got {first.get('input')!r}){more}"


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part.startswith(("function-", "str", "list[")):
            out += f".{part}" if out else part
    return out or "(top level)"


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The fields of the table at ``loc`` (following field annotations from :class:`Suite`)."""
    model: type[BaseModel] = Suite
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        inner = None if field is None else _model_in(field.annotation)
        if inner is None:
            break
        model = inner
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``annotation`` (``X``, ``list[X]``, ``X | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value
