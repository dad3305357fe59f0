"""Performance measurement: timers, statistics, memory, environment, and the speed sweep.

- :mod:`~embedlab.perf.timer`: clocks read after a device sync (CUDA/MPS/XPU, encoder hooks);
- :mod:`~embedlab.perf.runner`: warm-up and timed runs with iteration AND time floors;
- :mod:`~embedlab.perf.repeated_runs`: repeated timed runs, pooled; mean ± std (``--repeats``);
- :mod:`~embedlab.perf.stats`: latency percentiles, sustained throughput;
- :mod:`~embedlab.perf.memory`: sampled peak RSS, CUDA allocator peak;
- :mod:`~embedlab.perf.call_stages`: the optional preprocess/model split of an encoder;
- :mod:`~embedlab.perf.inputs`: deterministic synthetic images and captions;
- :mod:`~embedlab.perf.measure`: one case (encoder × modality × batch size) → SpeedRows;
- :mod:`~embedlab.perf.sweep` / :mod:`~embedlab.verbs.speed`: the ``embedlab speed`` sweep;
- :mod:`~embedlab.perf.output`: its RunLog and raw samples on disk;
- :mod:`~embedlab.perf.environment`: the machine and software a run happened on.

Importing this package imports no deep-learning framework.
"""
