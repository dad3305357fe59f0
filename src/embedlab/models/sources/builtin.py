"""Model source ``builtin``: small models trained by embedlab and shipped inside the package.

``--model builtin:shapes-clip`` is a tiny transformers CLIP (64 px images, 64-d embeddings)
trained on a training split of the synthetic ``shapes`` generator whose scenes are disjoint from
the default ``shapes`` evaluation set (see ``weights/shapes-clip/README.md`` and
``training/train_shapes_clip.py``). It makes the whole pipeline run offline with a model that
has learned something, in seconds.

A builtin model is a transformers checkpoint folder under ``embedlab/models/weights/``; this
source resolves the name to that folder and delegates fingerprinting and loading to the ``hf``
source. Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from embedlab.errors import ModelError, UnknownNameError
from embedlab.models.base import ModelSpec, SourceDefaults
from embedlab.models.encoders.transformers_dual import HFEncoder
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.sources.hf import HF_SOURCE

#: Bumped when what a builtin name resolves to changes in a way the files do not show.
BUILTIN_SOURCE_VERSION = 1
WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
#: Builtin model names and what they are (the folder under ``weights/`` has the same name).
BUILTIN_MODELS: dict[str, str] = {
    "shapes-clip": "tiny CLIP trained on the synthetic shapes generator (64 px, 64-d)",
}


def builtin_path(name: str) -> Path:
    """The packaged checkpoint folder of builtin model ``name``.

    Raises:
        UnknownNameError: ``name`` is not a builtin model (the message lists the valid ones).
        ModelError: the name is known but its folder is missing from this installation.
    """
    if name not in BUILTIN_MODELS:
        raise UnknownNameError("builtin model", name, BUILTIN_MODELS)
    folder = WEIGHTS_DIR / name
    if not (folder / "config.json").is_file():
        raise ModelError(
            f"builtin model {name!r}: its files are missing from this installation "
            f"(expected {folder}); reinstall embedlab, or regenerate them with "
            f"python training/train_shapes_clip.py --out {folder}"
        )
    return folder


def hf_spec(spec: ModelSpec) -> ModelSpec:
    """The ``hf:<packaged folder>`` spec equivalent to a ``builtin:<name>`` spec."""
    return dataclasses.replace(spec, source="hf", ref=str(builtin_path(spec.ref)))


class BuiltinSource(SourceDefaults):
    """The ``builtin`` model source (see the module docstring)."""

    def fingerprint(self, spec: ModelSpec) -> str:
        """The ``hf`` source's file fingerprint of the packaged folder; imports no framework."""
        inner = HF_SOURCE.fingerprint(hf_spec(spec))
        return f"builtin/v{BUILTIN_SOURCE_VERSION}:{spec.ref}:{inner}"

    def load(self, spec: ModelSpec) -> HFEncoder:
        """Load the packaged checkpoint with the ``hf`` source; the encoder keeps ``spec``.

        Raises:
            UnknownNameError: unknown builtin name.
            ModelError: the packaged files are missing or do not load.
            MissingDependencyError: torch or transformers is not installed.
        """
        encoder = HF_SOURCE.load(hf_spec(spec))
        encoder.spec = spec
        return encoder


BUILTIN_SOURCE = BuiltinSource()
MODEL_SOURCES.register("builtin")(BUILTIN_SOURCE)
