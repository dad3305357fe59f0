"""Where the runtime is chosen: :func:`load_encoder` is what the engine calls to get a model."""

from __future__ import annotations

from dataclasses import dataclass, replace

from embedlab.errors import ConfigError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.exportable import Exportable, TowerLayout
from embedlab.models.matryoshka import MatryoshkaEncoder
from embedlab.models.registry import get_source
from embedlab.runtimes.base import RUNTIMES, RuntimeOptions
from embedlab.runtimes.endpoint import HTTP_RUNTIME, parse_endpoint


def load_encoder(spec: ModelSpec, options: RuntimeOptions | None = None) -> Encoder:
    """Load ``spec`` and run it on ``spec.runtime``.

    The runtime factory checks the precision first (an unsupported runtime × precision is a
    :class:`ConfigError` before anything is loaded), then loads the model through its source and
    exports or compiles it as that runtime needs.

    Args:
        spec: the resolved model spec; ``spec.runtime`` names the runtime (an endpoint,
            ``API+URL``, runs on the ``http`` runtime).
        options: cache folder for exports, threads, compile flag, exporter; defaults apply.

    Raises:
        UnknownNameError: ``spec.runtime`` is not a registered runtime (lists the valid ones).
        ConfigError: the runtime does not support ``spec.precision`` or ``spec.device``.
        MissingDependencyError: the runtime's package is not installed.
        BackendError: exporting or compiling failed.
    """
    name = HTTP_RUNTIME if parse_endpoint(spec.runtime) is not None else spec.runtime
    return RUNTIMES.get(name)(spec, options or RuntimeOptions())


def served_details(spec: ModelSpec, options: RuntimeOptions | None = None) -> dict[str, str] | None:
    """For an endpoint runtime, what it serves (``GET /info``): ``identity`` — what identifies
    its outputs besides the weights fingerprint, for cache keys — and the recorded ``/info``
    fields (:func:`embedlab.runtimes.http_runtime.served_details`); None for a local runtime."""
    if parse_endpoint(spec.runtime) is None:
        return None
    from embedlab.runtimes import http_runtime

    return http_runtime.served_details(spec, options or RuntimeOptions())


@dataclass(frozen=True)
class Reference:
    """The fp32 CPU torch encoder a runtime exports, its layout, and the Matryoshka dim.

    Attributes:
        encoder: the full-size exportable encoder (a ``?dim=`` wrapper removed).
        layout: its towers and what follows them (checked at load: a text model that cannot
            be exported raises there, before any export).
        dim: the ``?dim=`` of the spec, or None; truncation runs in numpy after the runtime.
    """

    encoder: Exportable
    layout: TowerLayout
    dim: int | None = None

    def wrap(self, spec: ModelSpec, encoder: Encoder) -> Encoder:
        """``encoder`` truncated to :attr:`dim` (renormalised), or as is without a dim."""
        if self.dim is None:
            return encoder
        return MatryoshkaEncoder(spec=spec, inner=encoder, dim=self.dim)


def load_exportable(spec: ModelSpec) -> Reference:
    """The fp32 CPU torch encoder of ``spec`` — the reference an export is made from.

    A Matryoshka wrapper (``?dim=N``) is taken off: the full-size model is exported and
    :meth:`Reference.wrap` truncates the runtime's outputs.

    Raises:
        ConfigError: the model source does not expose exportable towers.
    """
    reference = replace(spec, runtime="torch", precision="fp32", device="cpu")
    return exportable_reference(spec, get_source(reference).load(reference))


def exportable_reference(spec: ModelSpec, encoder: Encoder) -> Reference:
    """``encoder`` (as loaded by its source) as a :class:`Reference`, or a ConfigError."""
    dim = None
    if isinstance(encoder, MatryoshkaEncoder):
        dim = encoder.dim
        encoder = encoder.inner
    if not isinstance(encoder, Exportable):
        raise ConfigError(
            f"--runtime {spec.runtime}: model {spec.name!r} (source {spec.source!r}) does not "
            "expose exportable image/text towers; run it with --runtime torch"
        )
    try:
        layout = encoder.tower_layout()
    except ConfigError as exc:
        raise ConfigError(f"--runtime {spec.runtime}: {exc}") from exc
    return Reference(encoder, layout, dim)


def unsupported_precision(spec: ModelSpec, supported: tuple[str, ...], hint: str) -> ConfigError:
    """The error for a precision ``spec.runtime`` does not run (``hint`` says what to do)."""
    return ConfigError(
        f"--precision {spec.precision} is not supported by --runtime {spec.runtime} "
        f"(supported: {', '.join(supported)}); {hint}"
    )
