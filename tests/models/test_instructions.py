"""Instruction contracts: task kinds of the shipped tasks, resolution, option stripping."""

from __future__ import annotations

import pytest

from embedlab.models.instructions import (
    TASK_KINDS,
    Instructions,
    resolve_instructions,
    without_instruction_options,
)
from embedlab.models.registry import parse_model
from embedlab.tasks.base import TASKS

KINDS = {
    "shapes": "image-text-retrieval",
    "coco-karpathy": "image-text-retrieval",
    "beir": "text-retrieval",
    "beir-synthetic": "text-retrieval",
    "zeroshot": "classification",
    "winoground": "pair-choice",
    "sugarcrepe": "pair-choice",
    "shapes-pairs": "pair-choice",
    "aro-vg-relation": "pair-choice",
}


@pytest.mark.parametrize(("task", "kind"), sorted(KINDS.items()))
def test_tasks_declare_their_kind(task: str, kind: str) -> None:
    assert TASKS.get(task).kind == kind
    assert kind in TASK_KINDS


def test_models_without_instructions_resolve_to_none() -> None:
    assert resolve_instructions(parse_model("fake:8"), "text-retrieval") is None
    resolved = resolve_instructions(parse_model("preset:qwen3-vl-embedding-2b"), "pair-choice")
    assert resolved == Instructions(
        "Represent the user's input.",
        "Represent the user's input.",
        "recipe qwen3-vl-embedding (pair-choice)",
        "recipe qwen3-vl-embedding",
    )
    assert resolved.of("document") == resolved.record()["document"]


def test_instruction_options_are_stripped_and_the_rest_sorted() -> None:
    name = "mllm:x?recipe=r&query_instruction=a%20b&max_pixels=9&document_instruction=d"
    assert without_instruction_options(name) == "mllm:x?max_pixels=9&recipe=r"
    assert without_instruction_options("mllm:x?query_instruction=q") == "mllm:x"
    assert without_instruction_options("hf:openai/clip") == "hf:openai/clip"
