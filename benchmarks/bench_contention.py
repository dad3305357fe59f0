"""Does passive OpenMP waiting or onnxruntime's spinning-off fix the thread stall under load?

Every arm is a bare loop (no embedlab code in the timed loop) over one tower of one model, run
in a FRESH process (``OMP_WAIT_POLICY`` is read once, when torch's OpenMP runtime starts), with
and without a busy neighbour: a child process spinning on one core for the duration of the arm.
Arms alternate in rounds (ABC ABC …) so drift hits each alike; the figure per arm is the median
over rounds of the per-call p50 (and p90) in ms.

Arms (``--threads N``, default the usable CPUs):

- ``torch N`` (OpenMP default wait policy), ``torch N passive`` (``OMP_WAIT_POLICY=PASSIVE``),
  ``torch 1``;
- ``ort N`` (``session.intra_op.allow_spinning=1``, the default), ``ort N nospin``
  (``allow_spinning=0``), ``ort 1``.

Usage::

    python benchmarks/bench_contention.py [--model arch:openai/clip-vit-base-patch16]
        [--modality text] [--batch-size 1] [--seconds 5] [--rounds 3] [--no-busy]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

ARMS: dict[str, dict[str, Any]] = {
    "torch N": {"runtime": "torch", "threads": None, "env": {}},
    "torch N passive": {"runtime": "torch", "threads": None,
                        "env": {"OMP_WAIT_POLICY": "PASSIVE"}},
    "torch 1": {"runtime": "torch", "threads": 1, "env": {}},
    "ort N": {"runtime": "ort", "threads": None, "env": {}, "spin": "1"},
    "ort N nospin": {"runtime": "ort", "threads": None, "env": {}, "spin": "0"},
    "ort 1": {"runtime": "ort", "threads": 1, "env": {}, "spin": "1"},
}  # fmt: skip


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="arch:openai/clip-vit-base-patch16")
    p.add_argument("--modality", default="text", choices=("image", "text"))
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    p.add_argument("--seconds", type=float, default=5.0, help="timed seconds per arm per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--arms", nargs="*", default=list(ARMS))
    p.add_argument("--no-busy", action="store_true", help="no busy neighbour (idle figures)")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return p.parse_args()


def _inputs(encoder: Any, modality: str, batch: int) -> dict[str, Any]:
    from embedlab.perf.inputs import synthetic_captions, synthetic_images

    pre = encoder.preprocessor()
    if modality == "image":
        return dict(pre.image_arrays(synthetic_images(batch)))
    return dict(pre.text_arrays(synthetic_captions(batch)))


def child(spec_json: str) -> None:
    """One arm in this fresh process: load, warm up 2 s, time ``seconds``; print JSON."""
    job = json.loads(spec_json)
    import numpy as np
    import torch

    from embedlab.models.registry import get_source, parse_model

    torch.set_num_threads(job["threads"])
    spec = parse_model(job["model"], batch_size=job["batch"])
    encoder = get_source(spec).load(spec)
    arrays = _inputs(encoder, job["modality"], job["batch"])
    if job["runtime"] == "torch":
        tower = encoder.image_tower() if job["modality"] == "image" else encoder.text_tower()
        tensors = [torch.from_numpy(a) for a in arrays.values()]

        def call() -> Any:
            with torch.inference_mode():
                return tower(*tensors)
    else:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = job["threads"]
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", job["spin"])
        session = ort.InferenceSession(job["onnx"], sess_options=options,
                                       providers=["CPUExecutionProvider"])  # fmt: skip
        names = [i.name for i in session.get_inputs()]
        feed = {n: np.asarray(arrays[n]) for n in names}

        def call() -> Any:
            return session.run(None, feed)

    start = time.perf_counter()
    while time.perf_counter() - start < 2.0:
        call()
    seconds: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < job["seconds"] or len(seconds) < 5:
        t0 = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - t0)
    ms = sorted(1000 * s for s in seconds)
    p = lambda q: ms[min(len(ms) - 1, int(q * (len(ms) - 1)))]  # noqa: E731
    print(json.dumps({"p50": p(0.5), "p90": p(0.9), "n": len(ms),
                      "torch_threads": torch.get_num_threads()}))  # fmt: skip


def _spin(seconds: float) -> subprocess.Popen[bytes]:
    code = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


def onnx_path(model: str) -> str:
    """The cached text/image ONNX export of ``model`` (exported on first use)."""
    from embedlab.models.registry import parse_model
    from embedlab.runtimes import RuntimeOptions, load_encoder, runtime_info

    spec = parse_model(model, runtime="onnxruntime")
    encoder = load_encoder(spec, RuntimeOptions(threads=1))
    return str(runtime_info(encoder).settings["export"])


def main() -> None:
    args = _args()
    if args.child:
        child(args.child)
        return
    folder = onnx_path(args.model) if any(ARMS[a]["runtime"] == "ort" for a in args.arms) else ""
    results: dict[str, list[tuple[float, float]]] = {arm: [] for arm in args.arms}
    for _ in range(args.rounds):
        for arm in args.arms:
            setting = ARMS[arm]
            job = {"model": args.model, "modality": args.modality, "batch": args.batch_size,
                   "threads": setting["threads"] or args.threads, "runtime": setting["runtime"],
                   "spin": setting.get("spin", "1"), "seconds": args.seconds,
                   "onnx": os.path.join(folder, f"{args.modality}.onnx")}  # fmt: skip
            env = {**os.environ, **setting["env"]}
            busy = None if args.no_busy else _spin(args.seconds + 60)
            try:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", json.dumps(job)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=900,
                )
            finally:
                if busy is not None:
                    busy.kill()
                    busy.wait()
            figure = json.loads(out.stdout.strip().splitlines()[-1])
            results[arm].append((figure["p50"], figure["p90"]))
            print(f"{arm:16s} p50 {figure['p50']:8.1f} ms  p90 {figure['p90']:8.1f} ms  "
                  f"n {figure['n']}", flush=True)  # fmt: skip
    busy_text = "no busy neighbour" if args.no_busy else "one busy neighbour core"
    print(f"\n{args.model} {args.modality} batch {args.batch_size}, {busy_text}, "
          f"N = {args.threads}, median over {args.rounds} rounds")  # fmt: skip
    print("| arm | p50 ms | p90 ms |\n|---|---|---|")
    for arm, values in results.items():
        p50 = statistics.median(v[0] for v in values)
        p90 = statistics.median(v[1] for v in values)
        print(f"| {arm} | {p50:.1f} | {p90:.1f} |")


if __name__ == "__main__":
    main()
