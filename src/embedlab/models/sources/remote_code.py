"""Model source ``remote``: dual encoders whose repository ships its own modelling code.

``--model remote:<hub id or folder>[?revision=SHA&code_revision=SHA&max_length=N]`` with
``--trust-remote-code`` (``trust_remote_code = true`` in a suite file); the preset
``jina-clip-v1`` stands for ``remote:jinaai/jina-clip-v1``. The repository's ``config.json``
``auto_map`` names the classes transformers imports from the repository's ``.py`` files (or,
written ``org/repo--module.Class``, from another repository: Jina-CLIP-v1's code lives in
``jinaai/jina-clip-implementation``). Loading runs that code with the user's rights, so:

- **without the flag** the model is refused in one line by :meth:`RemoteCodeSource.fingerprint`
  (the first thing a run asks of a source) and by ``load``, before anything is imported from
  the repository: what it ships (the ``auto_map`` entries, read from ``config.json`` when it
  is on disk), why it is refused, what to pass, and that the revision will be pinned;
- **with it**: ``AutoModel`` / ``AutoTokenizer`` / ``AutoImageProcessor.from_pretrained(...,
  trust_remote_code=True, revision=...)`` (``code_revision=``, when given, to the model and the
  image processor: the revision of a code repository named in ``auto_map``, which ``revision``
  does not pin; transformers loads such code at its branch head otherwise), driven like the card
  (:mod:`embedlab.models.encoders.remote_dual`). The revision loaded (``?revision=``, the
  preset's, or for a local folder the digest of its ``.py`` files) is part of the fingerprint
  (the cache key) and of ``describe()`` with ``trust_remote_code: true``.

Jina-CLIP-v1's text tower also fetches ``jinaai/jina-bert-flash-implementation``'s code at load
(its config's ``hf_model_name_or_path``), at that repository's head: no argument of
``from_pretrained`` pins it. Missing, unexpected or mis-shaped tensors are refused
(:mod:`embedlab.models.weights_check`). Importing this module imports no framework.
"""

from __future__ import annotations

from typing import Any

from embedlab.errors import ModelError
from embedlab.models._loading import loading, require_hub
from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelDetails, ModelSpec, SourceDefaults
from embedlab.models.checkpoint_files import checkpoint_location, read_config, where_hint
from embedlab.models.encoders.remote_dual import RemoteCodeEncoder
from embedlab.models.fingerprint import code_digest, files_fingerprint, hub_fingerprint
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.remote_ref import (
    RemoteRef,
    auto_map_text,
    code_revision_text,
    config_on_disk,
    refuse_untrusted,
    remote_ref,
)
from embedlab.models.weights_check import (
    DUAL_ENCODER_IGNORABLE_MISSING,
    TRANSFORMERS_WEIGHT_FILES,
    LoadReport,
    refuse_partial_load,
    require_weights_file,
)

#: Bumped when the way this source tokenises, preprocesses or pools changes.
REMOTE_SOURCE_VERSION = 1


def _load_parts(spec: ModelSpec, ref: RemoteRef, location: str) -> tuple[Any, Any, Any]:
    """Tokenizer, image processor and model, each from the repository at the pinned revision."""
    transformers = require("transformers", purpose=f"loading model {spec.name!r}")
    revision = ref.pin.kwargs()
    code = {} if ref.code_revision is None else {"code_revision": ref.code_revision}
    hint = where_hint(location)
    with loading(spec.name, "tokenizer", hint):
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            location, trust_remote_code=True, **revision
        )
    with loading(spec.name, "image processor", hint):
        processor = transformers.AutoImageProcessor.from_pretrained(
            location, trust_remote_code=True, **revision, **code
        )
    with loading(spec.name, "weights", hint):
        model, info = transformers.AutoModel.from_pretrained(
            location,
            trust_remote_code=True,
            dtype=torch_dtype(spec.precision),
            output_loading_info=True,
            **revision,
            **code,
        )
    report = LoadReport.from_transformers(info)
    refuse_partial_load(spec.name, report.without(missing=DUAL_ENCODER_IGNORABLE_MISSING))
    if not (hasattr(model, "get_image_features") and hasattr(model, "get_text_features")):
        raise ModelError(
            f"model {spec.name!r} loaded as {type(model).__name__}, which has no "
            "get_image_features/get_text_features; the remote source runs image–text dual "
            "encoders with Jina-CLIP's interface"
        )
    return tokenizer, processor, move_to_device(model, spec.device, spec.name).eval()


class RemoteCodeSource(SourceDefaults):
    """The ``remote`` model source (see the module docstring)."""

    def fingerprint(self, spec: ModelSpec) -> str:
        """``remote/v1:<weights>:<code>:<code revision>:<max_length>`` (no framework).

        A folder: its files' names, sizes and mtimes, plus the digest of its ``.py`` contents;
        a hub id: the pinned commit (or the cached ``main``).

        Raises:
            ConfigError: ``--trust-remote-code`` was not given (see :func:`refuse_untrusted`).
        """
        ref = remote_ref(spec)
        refuse_untrusted(spec, ref)
        if ref.folder is not None:
            weights = f"{files_fingerprint(ref.folder)}:{code_digest(ref.folder)}"
        else:
            weights = hub_fingerprint(ref.base, ref.pin.revision)
        code = ref.code_revision or "-"
        return f"remote/v{REMOTE_SOURCE_VERSION}:{weights}:{code}:{ref.max_length}"

    def describe(self, spec: ModelSpec) -> ModelDetails:
        """``revision``, ``trust_remote_code``, the ``auto_map`` code, ``max_length`` (cheap)."""
        ref = remote_ref(spec)
        config = config_on_disk(ref)
        return {
            "loader": "remote",
            "revision": ref.revision_text(),
            "code_revision": code_revision_text(ref, config),
            "trust_remote_code": spec.trust_remote_code,
            "code": auto_map_text(config) or "config.json not on disk yet",
            "max_length": ref.max_length,
        }

    def load(self, spec: ModelSpec) -> RemoteCodeEncoder:
        """Refuse without the flag; else load tokenizer, image processor, weights (pinned).

        Raises:
            ConfigError: no ``--trust-remote-code``, bad options, an unusable device.
            ModelError: a missing folder, config.json without ``auto_map``, no weights file,
                weights that do not match the model, or a model without the dual-encoder
                methods.
            MissingDependencyError: torch or transformers is not installed.
        """
        ref = remote_ref(spec)
        refuse_untrusted(spec, ref)
        location = checkpoint_location(ref.base, spec.name)
        if ref.folder is None:
            hint = (
                "pass a local folder holding the model and its .py files (remote:/path/to/model) "
                "or set HF_HOME to a cache that holds it at that revision"
            )
            require_hub(spec.name, location, hint, ref.pin.revision)
        config = read_config(location, spec.name, revision=ref.pin.revision)
        if not isinstance(config.get("auto_map"), dict):
            raise ModelError(
                f"model {spec.name!r}: config.json has no auto_map, so the repository ships no "
                f"modelling code of its own; load it with hf:{ref.base} instead"
            )
        if ref.folder is not None:
            require_weights_file(ref.folder, spec.name, TRANSFORMERS_WEIGHT_FILES)
        tokenizer, processor, model = _load_parts(spec, ref, location)
        return RemoteCodeEncoder(
            spec=spec,
            model=model,
            tokenizer=tokenizer,
            image_processor=processor,
            dtype=torch_dtype(spec.precision),
            max_length=ref.max_length,
        )


REMOTE_SOURCE = RemoteCodeSource()
MODEL_SOURCES.register("remote")(REMOTE_SOURCE)
