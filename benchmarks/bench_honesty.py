"""Is ``embedlab speed``'s throughput the model's speed? Its figure ÷ an independent bare loop.

For each runtime (torch, onnxruntime) × modality (image, text) × batch size (1, 32), in the
same process and the same **interleaved** schedule (each round: every configuration once,
embedlab then bare, in turn):

- **embedlab**: :func:`embedlab.perf.measure.measure_case` on the encoder that
  ``embedlab speed`` loads (:func:`embedlab.perf.loading.load_encoder_for_speed`) — the very
  code path and figure of ``embedlab speed`` for one round: sustained items / wall second of
  the whole call (preprocess + model), with its stability verdict.
- **bare**: a loop written here — no embedlab timer, runner, schedule or encoder wrapper. It
  calls the model's own preprocessing (``preprocessor().image_arrays`` / ``text_arrays``:
  resize/normalise or tokenise, the same work the encoder does), then the tower directly —
  torch: ``tower(*tensors)`` under ``torch.inference_mode()``; onnxruntime: a session opened
  here on the same exported file with the same settings (N intra-op threads, 1 inter-op,
  sequential, all optimisations, no spinning) — and L2-normalises in numpy. Same warm-up and
  timing floors, same thread count.

The ratio embedlab / bare per configuration is the median over rounds; 0.9–1.1 means the
harness neither adds nor hides time. With ``--busy`` a child process spins on one core during
the whole benchmark: then each ratio should still be in band, or embedlab must have flagged
the configuration ``unstable`` (the ``ok?`` column checks exactly that).

Model: ``--model`` (default ``builtin:shapes-clip``, seconds per configuration; any
``hf:``/``arch:`` CLIP-style dual model works, e.g. ``arch:openai/clip-vit-base-patch16``,
which takes minutes at batch 32 on 2 cores).

Usage::

    python benchmarks/bench_honesty.py [--model builtin:shapes-clip] [--rounds 3]
        [--min-seconds 3] [--threads N] [--busy]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from typing import Any

import numpy as np
from _bare_loop import floors_loop

CONFIGS = [(r, m, b) for r in ("torch", "onnxruntime") for m in ("image", "text") for b in (1, 32)]


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="builtin:shapes-clip")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=None, help="default: usable physical cores")
    p.add_argument("--warmup-iterations", type=int, default=2)
    p.add_argument("--warmup-seconds", type=float, default=1.0)
    p.add_argument("--min-iterations", type=int, default=5)
    p.add_argument("--min-seconds", type=float, default=3.0)
    p.add_argument("--batch-size", type=int, nargs="*", default=[1, 32])
    p.add_argument("--busy", action="store_true", help="spin a neighbour on one core")
    return p.parse_args()


def _normalise(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise SystemExit(f"the tower returned shape {array.shape}; the bare loop needs (N, D)")
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def bare_call(encoder: Any, runtime: str, modality: str, items: list[Any], threads: int) -> Any:
    """A zero-argument call doing preprocess + tower + normalise without embedlab's harness."""
    from embedlab.runtimes import runtime_info
    from embedlab.runtimes.onnx_export import TOWER_FILES

    if runtime == "torch":
        import torch

        reference = encoder.inner if hasattr(encoder, "inner") else encoder
        prep = reference.preprocessor()
        tower = reference.image_tower() if modality == "image" else reference.text_tower()

        def call_torch() -> Any:
            arrays = prep.image_arrays(items) if modality == "image" else prep.text_arrays(items)
            tensors = [torch.from_numpy(np.asarray(a)) for a in arrays.values()]
            with torch.inference_mode():
                return _normalise(tower(*tensors).float().numpy())

        return call_torch
    import onnxruntime as ort

    from embedlab.models.registry import get_source

    spec = encoder.spec
    prep = get_source(spec).load(spec).preprocessor()  # the model's own preprocessing
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    path = f"{runtime_info(encoder).settings['export']}/{TOWER_FILES[modality]}"  # type: ignore[index]
    session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]

    def call_ort() -> Any:
        arrays = prep.image_arrays(items) if modality == "image" else prep.text_arrays(items)
        return _normalise(session.run(None, {n: np.asarray(arrays[n]) for n in names})[0])

    return call_ort


def main() -> None:
    args = _args()
    from embedlab.perf.threads import default_threads, prefer_passive_waiting

    prefer_passive_waiting()  # as embedlab speed does, before torch loads
    import torch

    from embedlab.models.registry import parse_model
    from embedlab.perf.loading import load_encoder_for_speed
    from embedlab.perf.measure import SpeedInputs, measure_case
    from embedlab.perf.runner import TimingPlan
    from embedlab.perf.timer import Timer

    threads = args.threads or default_threads()
    torch.set_num_threads(threads)
    configs = [c for c in CONFIGS if c[2] in args.batch_size]
    encoders = {
        runtime: load_encoder_for_speed(parse_model(args.model, runtime=runtime), threads)
        for runtime in ("torch", "onnxruntime")
    }
    inputs = SpeedInputs(max_batch=max(args.batch_size))
    bare = {c: bare_call(encoders[c[0]], c[0], c[1], inputs.batch(c[1], c[2]), threads)
            for c in configs}  # fmt: skip
    plan = TimingPlan(args.warmup_iterations, args.warmup_seconds, args.min_iterations,
                      args.min_seconds, repeats=1)  # fmt: skip
    ratios: dict[Any, list[float]] = {c: [] for c in configs}
    flags: dict[Any, list[str]] = {c: [] for c in configs}
    busy = None
    if args.busy:
        spin = "import time\nwhile True: pass\n"
        busy = subprocess.Popen([sys.executable, "-c", spin])
    try:
        for round_index in range(args.rounds):
            for config in configs:
                runtime, modality, batch = config
                torch.set_num_threads(threads)
                case = measure_case(encoders[runtime], modality, batch, inputs, plan, Timer(),
                                    threads)  # fmt: skip
                row = next(r for r in case.rows if r.metric == "throughput")
                calls, seconds = floors_loop(bare[config], args)
                ratio = row.value / (calls * batch / seconds)
                ratios[config].append(ratio)
                if row.unstable:
                    flags[config].append(row.unstable_reason or "unstable")
                print(f"round {round_index + 1} {runtime} {modality} b{batch}: embedlab "
                      f"{row.value:.1f}/s bare {calls * batch / seconds:.1f}/s ratio {ratio:.3f}"
                      f"{' [unstable: ' + str(row.unstable_reason) + ']' if row.unstable else ''}",
                      flush=True)  # fmt: skip
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    condition = "one busy neighbour core" if args.busy else "no neighbour started"
    print(f"\n{args.model}, {threads} threads, {condition}, median of {args.rounds} rounds")
    print("| runtime | modality | batch | embedlab / bare | in 0.9–1.1 | flagged rounds | ok? |")
    print("|---|---|---|---|---|---|---|")
    for config, values in ratios.items():
        median = statistics.median(values)
        in_band = 0.9 <= median <= 1.1
        flagged = len(flags[config])
        ok = in_band or flagged > 0
        print(f"| {config[0]} | {config[1]} | {config[2]} | {median:.3f} | "
              f"{'yes' if in_band else 'no'} | {flagged}/{len(values)} | "
              f"{'yes' if ok else 'NO'} |")  # fmt: skip


if __name__ == "__main__":
    main()
