"""Metric definitions: per-query functions with their formulas, and the one metric table.

:mod:`embedlab.metrics.table` maps a metric name pattern (``recall@K``, ``mrr``, ``ndcg@K``,
``group_score``...) to the function that computes its per-query values from a task's outcome
columns; tasks, confidence intervals and ``compare`` all go through it. Statistics over those
values (bootstrap, paired tests) live in :mod:`embedlab.stats`.
"""
