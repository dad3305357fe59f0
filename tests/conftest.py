"""Shared fixtures: tiny models and generated datasets, built once per test session."""

pytest_plugins = ["tests.fixtures.tiny_models", "tests.fixtures.datasets"]
