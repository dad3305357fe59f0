"""No silent random weights: every model source refuses weights it did not load.

A framework asked for a checkpoint that lacks some of the model's tensors builds the model
anyway and leaves those tensors randomly initialised, with a warning at most (transformers'
"LOAD REPORT", open_clip's "Model initialized randomly"). Evaluating such a model gives numbers
that mean nothing, so every source that claims real weights (``hf``, ``builtin``,
``open_clip``, ``st``, ``hf-text``, ``preset``) checks what it loaded and raises a one-line
:class:`~embedlab.errors.ModelError` instead. Only ``arch:`` runs random weights, on purpose,
and only for speed.

What is refused:

- a local folder without a weights file (:func:`require_weights_file`): "no weights file found
  in <folder>";
- **missing** tensors (the model has them, the checkpoint does not: they would run random),
  **unexpected** tensors (the checkpoint has them, the model has no place for them: the
  checkpoint does not match its config), and tensors of a **mismatched** shape
  (:func:`refuse_partial_load`, naming the first few keys and the count of each).

What is not refused (the ignorable keys):

- whatever the library itself declares ignorable before it reports: transformers drops the
  patterns of ``_keys_to_ignore_on_load_missing`` / ``_keys_to_ignore_on_load_unexpected``
  and stale ``position_ids`` / ``rotary_emb.inv_freq`` buffers from its loading info; open_clip's
  ``load_checkpoint`` fills a missing ``logit_bias`` and drops old ``position_ids`` before its
  strict load;
- for image–text dual encoders (``hf``): a missing ``logit_scale`` / ``logit_bias``
  (:data:`DUAL_ENCODER_IGNORABLE_MISSING`): the contrastive temperature and bias, which
  ``get_image_features`` / ``get_text_features`` never use;
- for text encoders (``st``, ``hf-text``, ``preset``), :func:`text_model_report`: a missing
  ``pooler.*`` when the embedding is pooled from ``last_hidden_state`` (the model's pooler
  layer is never run); and unexpected keys *outside* the base model when the checkpoint is a
  task-head class (``config.json`` ``architectures`` names, e.g., ``BertForMaskedLM`` while
  the loaded model is a ``BertModel``): the head is dropped by design. An unexpected key under
  one of the base model's own modules is still refused.

Never imports a framework at module import.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlab.errors import ModelError

#: Weight files ``from_pretrained`` reads from a transformers checkpoint folder.
TRANSFORMERS_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
#: Checkpoint suffixes open_clip's ``local-dir:`` looks for (``_find_checkpoint_in_dir``).
OPEN_CLIP_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth")
#: Missing keys of a dual encoder that do not change its embeddings (see the module docstring).
DUAL_ENCODER_IGNORABLE_MISSING = (r"^logit_scale$", r"^logit_bias$")
#: How many key names a refusal shows per kind.
SHOWN_KEYS = 3
NO_RANDOM_WEIGHTS = "embedlab never evaluates random weights (arch: does, for speed only)"
RANDOM_WEIGHTS_HINT = (
    "check that the weights file matches config.json (re-save the model with save_pretrained); "
    + NO_RANDOM_WEIGHTS
)


def require_weights_file(folder: Path, model: str, names: Iterable[str]) -> None:
    """Raise unless ``folder`` holds one of the weight files ``names``.

    Raises:
        ModelError: "no weights file found in <folder>" (the model would run random weights).
    """
    wanted = tuple(names)
    if any((folder / name).is_file() for name in wanted):
        return
    raise ModelError(
        f"model {model!r}: no weights file found in {folder} (looked for "
        f"{', '.join(wanted)}); copy the model's weights into that folder"
    )


def require_open_clip_weights(folder: Path, model: str) -> None:
    """Raise unless ``folder`` holds a checkpoint open_clip's ``local-dir:`` would load.

    Raises:
        ModelError: no ``*.safetensors`` / ``*.bin`` / ``*.pth`` file in ``folder``.
    """
    if any(p.is_file() and p.suffix in OPEN_CLIP_WEIGHT_SUFFIXES for p in folder.iterdir()):
        return
    raise ModelError(
        f"model {model!r}: no weights file found in {folder} (open_clip looks for "
        "*.safetensors, *.bin or *.pth, e.g. open_clip_model.safetensors); copy the model's "
        "weights next to open_clip_config.json"
    )


@dataclass(frozen=True)
class LoadReport:
    """Keys a weight load did not match, sorted.

    Attributes:
        missing: model tensors absent from the checkpoint (left randomly initialised).
        unexpected: checkpoint tensors the model has no place for.
        mismatched: tensors whose shape differs between checkpoint and model.
    """

    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    mismatched: tuple[str, ...] = ()

    @classmethod
    def from_transformers(cls, info: Mapping[str, Any]) -> LoadReport:
        """From the dict of ``from_pretrained(..., output_loading_info=True)``.

        ``mismatched_keys`` holds ``(key, checkpoint shape, model shape)`` tuples (4.x and 5.x).
        """
        mismatched = [
            item[0] if isinstance(item, tuple) else item for item in info.get("mismatched_keys", ())
        ]
        return cls(
            tuple(sorted(str(k) for k in info.get("missing_keys", ()))),
            tuple(sorted(str(k) for k in info.get("unexpected_keys", ()))),
            tuple(sorted(str(k) for k in mismatched)),
        )

    def without(
        self, missing: Collection[str] = (), unexpected: Collection[str] = ()
    ) -> LoadReport:
        """This report minus the ``missing`` / ``unexpected`` keys matching any regex given."""
        return LoadReport(
            _drop(self.missing, missing), _drop(self.unexpected, unexpected), self.mismatched
        )

    @property
    def clean(self) -> bool:
        """Every tensor of the model was loaded from the checkpoint, and nothing was left over."""
        return not (self.missing or self.unexpected or self.mismatched)


def _drop(keys: tuple[str, ...], patterns: Collection[str]) -> tuple[str, ...]:
    if not patterns:
        return keys
    regex = re.compile("|".join(f"(?:{p})" for p in patterns))
    return tuple(key for key in keys if regex.search(key) is None)


def _listed(keys: tuple[str, ...], what: str) -> str:
    shown = ", ".join(keys[:SHOWN_KEYS]) + (", ..." if len(keys) > SHOWN_KEYS else "")
    noun = "tensor" if len(keys) == 1 else "tensors"
    return f"{len(keys)} {noun} {what} ({shown})"


def refuse_partial_load(model: str, report: LoadReport, hint: str = RANDOM_WEIGHTS_HINT) -> None:
    """Raise unless ``report`` is clean.

    Raises:
        ModelError: one line naming the model, the count and first keys of each kind, and
            ``hint``.
    """
    if report.clean:
        return
    parts = []
    if report.missing:
        parts.append(_listed(report.missing, "missing from the checkpoint (would run random)"))
    if report.unexpected:
        parts.append(_listed(report.unexpected, "in the checkpoint that the model does not have"))
    if report.mismatched:
        parts.append(_listed(report.mismatched, "with a shape that does not match the model"))
    raise ModelError(f"model {model!r} did not load all its weights: {'; '.join(parts)}; {hint}")


def text_model_report(report: LoadReport, model: Any, pooled_from_hidden: bool) -> LoadReport:
    """``report`` minus what a text encoder may ignore (see the module docstring).

    Args:
        report: the loading report of the transformers model.
        model: the loaded transformers model (its ``config.architectures``, its modules).
        pooled_from_hidden: the embedding is pooled from ``last_hidden_state`` (the model's
            own ``pooler`` is never run).
    """
    missing = [r"^pooler\."] if pooled_from_hidden else []
    architectures = getattr(getattr(model, "config", None), "architectures", None) or []
    if not architectures or type(model).__name__ in architectures:
        return report.without(missing=missing)
    own = {name for name, _ in model.named_children()}
    own |= {name for name, _ in model.named_parameters(recurse=False)}
    own |= {name for name, _ in model.named_buffers(recurse=False)}
    heads = [key for key in report.unexpected if key.split(".", 1)[0] not in own]
    return report.without(missing=missing, unexpected=[f"^{re.escape(k)}$" for k in heads])


def parse_torch_incompatible(text: str) -> LoadReport | None:
    """The keys of torch's strict ``load_state_dict`` error text, or None if it is not one.

    torch words it ``Missing key(s) in state_dict: "a", "b".``, ``Unexpected key(s) in
    state_dict: "c".`` and ``size mismatch for d: copying a param with shape ...``.
    """
    if "Error(s) in loading state_dict" not in text:
        return None
    missing: list[str] = []
    unexpected: list[str] = []
    mismatched: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Missing key(s)"):
            missing += re.findall(r'"([^"]+)"', line)
        elif line.startswith("Unexpected key(s)"):
            unexpected += re.findall(r'"([^"]+)"', line)
        elif match := re.match(r"size mismatch for ([^:]+):", line):
            mismatched.append(match.group(1))
    report = LoadReport(*(tuple(sorted(keys)) for keys in (missing, unexpected, mismatched)))
    return None if report.clean else report
