"""Where the runtime is chosen: :func:`load_encoder` is what the engine calls to get a model."""

from __future__ import annotations

from dataclasses import replace

from embedlab.errors import ConfigError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.registry import get_source
from embedlab.runtimes.base import RUNTIMES, Exportable, RuntimeOptions


def load_encoder(spec: ModelSpec, options: RuntimeOptions | None = None) -> Encoder:
    """Load ``spec`` and run it on ``spec.runtime``.

    The runtime factory checks the precision first (an unsupported runtime × precision is a
    :class:`ConfigError` before anything is loaded), then loads the model through its source and
    exports or compiles it as that runtime needs.

    Args:
        spec: the resolved model spec; ``spec.runtime`` names the runtime.
        options: cache folder for exports, threads, compile flag, exporter; defaults apply.

    Raises:
        UnknownNameError: ``spec.runtime`` is not a registered runtime (lists the valid ones).
        ConfigError: the runtime does not support ``spec.precision`` or ``spec.device``.
        MissingDependencyError: the runtime's package is not installed.
        BackendError: exporting or compiling failed.
    """
    factory = RUNTIMES.get(spec.runtime)
    return factory(spec, options or RuntimeOptions())


def load_exportable(spec: ModelSpec) -> Exportable:
    """The fp32 CPU torch encoder of ``spec`` — the reference an export is made from.

    Raises:
        ConfigError: the model source does not expose exportable towers.
    """
    reference = replace(spec, runtime="torch", precision="fp32", device="cpu")
    encoder = get_source(reference).load(reference)
    if not isinstance(encoder, Exportable):
        raise ConfigError(
            f"--runtime {spec.runtime}: model {spec.name!r} (source {spec.source!r}) does not "
            "expose exportable image/text towers; run it with --runtime torch"
        )
    return encoder


def unsupported_precision(spec: ModelSpec, supported: tuple[str, ...], hint: str) -> ConfigError:
    """The error for a precision ``spec.runtime`` does not run (``hint`` says what to do)."""
    return ConfigError(
        f"--precision {spec.precision} is not supported by --runtime {spec.runtime} "
        f"(supported: {', '.join(supported)}); {hint}"
    )
