"""Statistics over per-query values: confidence intervals and significance, never metric formulas.

``bootstrap`` + ``resampling`` (cluster percentile bootstrap), ``intervals`` (RunLog rows with
their CIs), ``paired`` (sign-flip permutation and paired bootstrap tests), ``discordance``
(win/tie/loss, exact McNemar), ``multiple_testing`` (Holm), ``comparison`` (one compared table:
every pair of systems), ``repeats`` (mean ± std over repeated speed runs). Metric definitions
live in :mod:`embedlab.metrics`.
"""
