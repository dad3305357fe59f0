"""Shared fixtures: tiny models and generated datasets, built once per test session.

The suite runs offline: ``HF_HUB_OFFLINE`` is set before huggingface_hub is imported (it reads
the variable once, at import), so a model missing from the local cache fails at once instead of
retrying the network for a minute.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

pytest_plugins = ["tests.fixtures.tiny_models", "tests.fixtures.datasets"]
