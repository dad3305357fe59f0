"""Where the runtime is chosen: :func:`load_encoder` is what the engine calls to get a model.

Multi-vector (late-interaction) models load through :func:`load_token_encoder` and run on
``--runtime torch`` only: ONNX Runtime and OpenVINO run exported dense towers, and the endpoint
APIs return one vector per input; :func:`check_token_spec` refuses the others (and ``?dim=``,
which truncates dense vectors) in one line before any work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from embedlab.errors import ConfigError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.exportable import Exportable, TowerLayout
from embedlab.models.matryoshka import MatryoshkaEncoder, refuse_dim, split_dim
from embedlab.models.registry import get_source
from embedlab.runtimes.base import RUNTIMES, RuntimeOptions
from embedlab.runtimes.endpoint import HTTP_RUNTIME, parse_endpoint

if TYPE_CHECKING:
    from embedlab.models.multivector import MultiVectorEncoder

#: The runtime multi-vector models run on, and its precisions.
TOKEN_RUNTIME = "torch"
TOKEN_PRECISIONS = ("fp32", "bf16", "fp16")


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


def check_token_spec(spec: ModelSpec, options: RuntimeOptions | None = None) -> None:
    """Refuse what a multi-vector model cannot run with: another runtime, int8, ``?dim=``,
    compile.

    Raises:
        ConfigError: one line naming the model and what works.
    """
    if spec.runtime != TOKEN_RUNTIME:
        raise ConfigError(
            f"--runtime {spec.runtime}: model {spec.name!r} is a multi-vector (late-interaction) "
            "model, which runs on --runtime torch only (ONNX Runtime, OpenVINO and endpoints "
            "take dense encoders); drop --runtime or pass --runtime torch"
        )
    if spec.precision not in TOKEN_PRECISIONS:
        raise unsupported_precision(
            spec, TOKEN_PRECISIONS, f"model {spec.name!r} is a multi-vector model (torch only)"
        )
    if split_dim(spec)[1] is not None:
        raise ConfigError(refuse_dim(spec))
    if options is not None and options.compile:
        raise ConfigError(
            f"torch.compile: model {spec.name!r} is a multi-vector model, whose forward pass "
            "is run eagerly; run it without compile"
        )


def load_token_encoder(
    spec: ModelSpec, options: RuntimeOptions | None = None
) -> MultiVectorEncoder:
    """Load the multi-vector model ``spec`` (on torch, after :func:`check_token_spec`).

    Raises:
        ConfigError: a runtime other than torch, ``?dim=``, compile, a dense model, or a
            precision torch does not run.
        ModelError, MissingDependencyError: from the model source.
    """
    check_token_spec(spec, options)
    return get_source(spec).load_tokens(spec)


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
