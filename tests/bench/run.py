"""Reproduce the figures of the "Measured outcomes" page.

    python tests/bench/run.py                                   # writes docs/results/bench-<cpu|cuda>.json
    python tests/bench/run.py --out docs/results/bench-cpu.json # the same, explicitly (about 1.5 min on 2 cores)
    python tests/bench/run.py --out build/bench-smoke.json --quick  # smoke run, ~15 s

What it records (definitions in tests/bench/measure.py):

* ``memory``: for each model, batch size and mode (grad, no_grad,
  inference_mode), the bytes autograd saves for backward, split into
  activation / parameter / input storages; on CUDA also the caching
  allocator's ``memory_allocated`` and ``max_memory_allocated`` deltas.
* ``leak``: what an evaluation loop keeps alive after each of N iterations,
  for ``running_loss += loss``, ``running_loss += loss.item()`` and
  ``running_loss += loss`` under ``torch.no_grad()``.
* ``timing``: ``torch.utils.benchmark.Timer.blocked_autorange`` medians and
  IQRs per mode, in interleaved rounds; speed-ups relative to grad mode.
* ``metrics``: accuracy, precision, recall and confusion matrix of a small
  classifier with Dropout and BatchNorm, with and without ``no_grad`` and in
  ``train()`` versus ``eval()``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for harness.machine
import measure  # noqa: E402

from harness.machine import environment  # noqa: E402

SCHEMA = 1


def header(args, platform_name: str, threads: int) -> dict:
    env = environment()  # the same description of the machine as the test results files
    gpu = env["gpu"] or {}
    h = {
        "schema": SCHEMA,
        "platform": platform_name,
        "device": gpu.get("name") or env["cpu"],
        "cpu_model": env["cpu"],
        "cpu_count": env["cpu_count"],
        "threads": threads,
        "torch_version": env["torch"],
        "python_version": env["python"],
        "os": platform.platform(),
        "date_utc": env["date"],
        "command": " ".join([Path(sys.executable).name] + sys.argv),
        "quick": args.quick,
        # other processes compete for the cores on shared machines; recorded so
        # that a reader can judge the spread of the timings
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    if platform_name == "cuda":
        h["gpu_name"] = gpu.get("name")
        h["gpu_total_memory_bytes"] = gpu.get("memory_bytes")
        h["cuda_version"] = gpu.get("cuda")
        h["driver_version"] = gpu.get("driver")
        h["cudnn_version"] = torch.backends.cudnn.version()
        # settings that change which kernels run (timings) and how the allocator rounds
        # and reserves (memory); recorded so that a run can be reproduced
        h["float32_matmul_precision"] = torch.get_float32_matmul_precision()  # "highest": no TF32 in matmul
        h["cudnn_allow_tf32"] = torch.backends.cudnn.allow_tf32
        h["env"] = {k: os.environ.get(k) for k in ("CUBLAS_WORKSPACE_CONFIG", "PYTORCH_CUDA_ALLOC_CONF")}
    return h


def run_memory(device, batches, cuda: bool) -> dict:
    out = {}
    for name in measure.MODELS:
        model, shape = measure.build(name, device)
        if cuda:  # warm-up: cuBLAS allocates its workspace on the first matmul and keeps it
            for mode in measure.MODES:
                with measure.mode_context(mode):
                    model(torch.randn(max(batches), *shape, device=device))
        rows = []
        for b in batches:
            torch.manual_seed(1)
            x = torch.randn(b, *shape, device=device)
            for mode in measure.MODES:
                if cuda:
                    d = measure.cuda_allocator_of_forward(model, x, mode)
                else:
                    o, rec = measure.saved_bytes_of_forward(model, x, mode)
                    d = rec.as_dict()
                    d["output_bytes"] = o.untyped_storage().nbytes()
                    del o
                rows.append({"batch": b, "mode": mode, **d})
        out[name] = {
            "description": measure.MODELS[name][2],
            "input_shape": list(shape),
            "n_parameters": sum(p.numel() for p in model.parameters()),
            "parameter_bytes": sum(p.numel() * p.element_size() for p in model.parameters()),
            "rows": rows,
        }
    return out


def run_leak(device, n_iter: int, batch: int, cuda: bool) -> dict:
    model, shape = measure.build("mlp", device)
    g = torch.Generator().manual_seed(0)
    batches = [
        (torch.randn(batch, *shape, generator=g), torch.randint(0, 10, (batch,), generator=g)) for _ in range(n_iter)
    ]

    def make_batch(i):
        x, y = batches[i]
        return x.to(device), y.to(device)

    res = {"model": "mlp", "batch": batch, "n_iter": n_iter}
    for variant in ("tensor", "item", "no_grad_tensor"):
        res[variant] = measure.leak_curve(model, make_batch, n_iter, variant, device, cuda)
    return res


def run_timing(device, batches, reps, min_run_time, threads, clock_name) -> dict:
    clock = time.thread_time if clock_name == "thread" else None
    res = {
        "reps": reps,
        "min_run_time_s": min_run_time,
        "num_threads": threads,
        "timer": "torch.utils.benchmark.Timer.blocked_autorange",
        "clock": "time.thread_time (CPU time of the measuring thread)"
        if clock_name == "thread"
        else "wall clock (timeit.default_timer, synchronized by torch.utils.benchmark)",
        "models": {},
    }
    variants = [(n, n, True) for n in measure.MODELS] + [
        ("transformer-no-fastpath", "transformer", False),
        ("deep-narrow-mlp", "deep_mlp", True),
    ]
    for label, name, fastpath in variants:
        model, shape = measure.build(name, device)
        prev = torch.backends.mha.get_fastpath_enabled()
        torch.backends.mha.set_fastpath_enabled(fastpath)
        try:
            rows = []
            for b in batches:
                torch.manual_seed(1)
                x = torch.randn(b, *shape, device=device)
                rows.append({"batch": b, **measure.time_modes(model, x, reps, min_run_time, threads, clock)})
        finally:
            torch.backends.mha.set_fastpath_enabled(prev)
        res["models"][label] = {"rows": rows, "fastpath_enabled": fastpath}
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results JSON to write (default: docs/results/bench-<platform>.json, platform cpu or cuda)",
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer sizes and rounds")
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="intra-op threads (default: 1 on CPU, to keep timings stable on shared machines; torch's default on CUDA)",
    )
    ap.add_argument(
        "--clock",
        choices=("thread", "wall"),
        default=None,
        help="thread: CPU time of the timing thread (default on CPU: robust to other processes); "
        "wall: wall clock (default on CUDA, where the GPU's time must be counted)",
    )
    args = ap.parse_args(argv)

    cuda = torch.cuda.is_available()
    platform_name = "cuda" if cuda else "cpu"
    device = torch.device(platform_name)
    threads = args.threads or (1 if not cuda else torch.get_num_threads())
    clock_name = args.clock or ("wall" if cuda else "thread")
    if cuda and clock_name == "thread":
        ap.error("--clock thread does not count GPU time; use wall on CUDA")
    if clock_name == "thread" and threads != 1:
        ap.error("--clock thread measures one thread: use --threads 1 with it, or --clock wall")
    torch.set_num_threads(threads)

    if args.quick:
        mem_batches, leak_n, time_batches, reps, mrt = [1, 8, 32], 10, [32], 3, 0.05
    else:
        mem_batches, leak_n, time_batches, reps, mrt = [1, 8, 32, 128], 50, [1, 32, 128], 9, 0.15

    t0 = time.perf_counter()
    result = {"header": header(args, platform_name, threads)}
    steps = [
        ("memory", lambda: run_memory(device, mem_batches, cuda)),
        ("leak", lambda: run_leak(device, leak_n, 32, cuda)),
        ("metrics", lambda: measure.metrics_experiment(device)),
        ("timing", lambda: run_timing(device, time_batches, reps, mrt, threads, clock_name)),
    ]
    for key, fn in steps:
        t = time.perf_counter()
        result[key] = fn()
        print(f"{key}: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    result["header"]["wall_time_s"] = round(time.perf_counter() - t0, 1)
    if hasattr(os, "getloadavg"):
        result["header"]["loadavg_at_end"] = list(os.getloadavg())

    if args.out is None:
        args.out = Path(__file__).resolve().parents[2] / "docs" / "results" / f"bench-{platform_name}.json"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out} in {result['header']['wall_time_s']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
