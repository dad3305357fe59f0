"""Synthetic speed inputs and the captured environment."""

from __future__ import annotations

import json

from embedlab.perf.environment import capture_environment
from embedlab.perf.inputs import IMAGE_SIZE, describe_inputs, synthetic_captions, synthetic_images
from embedlab.scoring._fused_pass import kernel_description


def test_images_are_deterministic_rgb_of_the_stated_size() -> None:
    first, again = synthetic_images(3, seed=1), synthetic_images(3, seed=1)
    assert all(im.mode == "RGB" and im.size == IMAGE_SIZE for im in first)
    assert [im.tobytes() for im in first] == [im.tobytes() for im in again]
    assert first[0].tobytes() != first[1].tobytes()


def test_captions_have_caption_length_and_are_deterministic() -> None:
    captions = synthetic_captions(200, seed=0)
    assert captions == synthetic_captions(200, seed=0)
    lengths = [len(c.split()) for c in captions]
    assert min(lengths) >= 8 and max(lengths) <= 13
    assert 9.5 <= sum(lengths) / len(lengths) <= 11.5
    assert "640x480" in describe_inputs()


def test_environment_is_json_ready_and_describes_the_machine() -> None:
    env = capture_environment()
    json.dumps(env)
    assert env["cpu_count"] and env["cpu"]
    for key in ("physical_cores", "cpu_flags", "memory_mib", "packages", "thread_env"):
        assert key in env
    assert "numpy" in env["packages"]
    assert env["exact_ranking"] == kernel_description()  # which exact-ranking pass runs
