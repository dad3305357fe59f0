"""Model source ``preset``: named text-model presets, ``--model preset:<name>[?options]``.

The presets themselves (hub id, loader, prompts, Matryoshka dims, pinned revision) are the facts
of :mod:`embedlab.models.presets`; this source applies the user's options (``?dim=N``,
``max_length=N``, ``query_prompt=``, ``document_prompt=``, ``revision=``: replaces the preset's
pinned revision, :mod:`embedlab.models.revision`) and loads through the preset's loader,
the ``st`` or ``hf-text`` source's (:func:`~embedlab.models.sources.st.load_st`,
:func:`~embedlab.models.sources.hf_text.load_hf_text`).
"""

from __future__ import annotations

from embedlab.models._ref_options import PROMPT_OPTIONS, REVISION, parse_ref
from embedlab.models.base import Encoder, ModelDetails, ModelSpec, SourceDefaults
from embedlab.models.presets import Preset, get_preset
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.revision import option_pin
from embedlab.models.sources.hf_text import load_hf_text
from embedlab.models.sources.st import load_st, st_describe
from embedlab.models.text_settings import TextSettings, settings_digest
from embedlab.models.text_weights import locate

PRESET_VERSION = 1
PRESET_OPTIONS = frozenset({"dim", "max_length", REVISION, *PROMPT_OPTIONS})


def preset_settings(spec: ModelSpec) -> tuple[Preset, TextSettings]:
    """The preset of a ``preset:`` spec and its settings with the user's options applied."""
    options = parse_ref(spec.ref, spec.name, PRESET_OPTIONS)
    preset = get_preset(options.base)
    settings = TextSettings(
        source=preset.loader,
        where=locate(preset.hub_id, spec.name, None, option_pin(options.revision), preset.loader),
        overrides=options.prompts(),
        preset=preset.name,
        preset_prompts=dict(preset.prompts),
        dim=options.integer("dim", spec.name),
        trained_dims=preset.matryoshka_dims,
        max_length=options.integer("max_length", spec.name) or preset.max_length,
        pooling=preset.pooling,
    )
    return preset, settings


class PresetSource(SourceDefaults):
    """The ``preset`` model source."""

    handles_dim = True

    def fingerprint(self, spec: ModelSpec) -> str:
        """``preset/v1:<name>:<weights fingerprint>:<settings digest>`` (no framework)."""
        preset, settings = preset_settings(spec)
        digest = settings_digest(settings)
        return f"preset/v{PRESET_VERSION}:{preset.name}:{settings.where.fingerprint}:{digest}"

    def load(self, spec: ModelSpec) -> Encoder:
        """Load through the preset's loader (``st`` or ``hf-text``) with its prompts."""
        preset, settings = preset_settings(spec)
        if preset.loader == "hf-text":
            return load_hf_text(spec, settings)
        return load_st(spec, settings)

    def describe(self, spec: ModelSpec) -> ModelDetails:
        """Provenance: the st/hf-text description plus the preset's reference and note."""
        preset, settings = preset_settings(spec)
        info = st_describe(settings, spec.name)
        info.update(reference=preset.reference, note=preset.note, hub_id=preset.hub_id)
        return info


PRESET_SOURCE = PresetSource()
MODEL_SOURCES.register("preset")(PRESET_SOURCE)
