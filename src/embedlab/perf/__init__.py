"""Performance measurement: timers, statistics, memory, environment, and the speed sweep.

- :mod:`~embedlab.perf.timer`: clocks read after a device sync (CUDA/MPS/XPU, encoder hooks);
- :mod:`~embedlab.perf.runner`: warm-up and timed runs with iteration AND time floors;
- :mod:`~embedlab.perf.repeated_runs`: repeated timed runs, pooled; mean ± std (``--repeats``);
- :mod:`~embedlab.perf.rounds`: every compared case timed once per round, rounds repeated;
- :mod:`~embedlab.perf.machine`: other processes' CPU use during timing, load, quota, governor;
- :mod:`~embedlab.perf.stability`: the ``unstable`` verdict and its thresholds;
- :mod:`~embedlab.perf.threads`: the default thread count, settings in force, wait policy;
- :mod:`~embedlab.perf.isolate`: ``--isolate``, one fresh process per configuration;
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
