"""Leaf value types and helpers every layer may use; imports nothing else of embedlab but errors.

``values`` (a metric's value with its per-query array), ``clock`` (version and timestamps),
``progress`` (the progress-bar factory interface and its rich implementation), ``paths`` (the
default cache folder). See docs/ARCHITECTURE.md for the layer contract.
"""
