"""Overhead of `audit_evaluation` (snippets/audit/eval_audit.py) on a correct evaluation loop.

    python tests/bench/audit_overhead.py                # 21 interleaved rounds per model, ~1.5 min on 2 cores
    python tests/bench/audit_overhead.py --rounds 5     # quicker, noisier

The loop is the correct one, `model.eval()` and `torch.no_grad()`, over 200 batches of 64 with
one intra-op thread; it counts correct predictions with `.item()`. Each round times the loop
without the audit and inside `with audit_evaluation(model)`, in alternating order, so drift on a
shared machine hits both alike; each side's time in a round is the best of 3 runs, which filters
out runs that another process interrupted. Printed and returned: the median time of each, and
the median, minimum and maximum of the per-round ratio (audited / plain). Nothing is asserted:
timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "snippets" / "audit"))
from eval_audit import audit_evaluation  # noqa: E402

BATCHES, BATCH = 200, 64


def models():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    cnn = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(32, 10),
    )
    return {"mlp": (mlp, (64,)), "cnn": (cnn, (3, 8, 8))}


def evaluate(model, batches):
    correct = 0
    with torch.no_grad():
        for x, y in batches:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct


def timed(model, batches, audited: bool) -> float:
    start = time.perf_counter()
    if audited:
        with audit_evaluation(model) as report:
            evaluate(model, batches)
        assert report.ok, report  # a correct loop: the audit must not report anything
    else:
        evaluate(model, batches)
    return time.perf_counter() - start


def measure(rounds: int) -> dict:
    torch.set_num_threads(1)
    results = {}
    for name, (model, shape) in models().items():
        model.eval()
        batches = [(torch.randn(BATCH, *shape), torch.randint(0, 10, (BATCH,))) for _ in range(BATCHES)]
        timed(model, batches, False), timed(model, batches, True)  # warm-up
        plain, audited, ratios = [], [], []
        for r in range(rounds):
            order = (False, True) if r % 2 == 0 else (True, False)
            times = {a: min(timed(model, batches, a) for _ in range(3)) for a in order}
            plain.append(times[False])
            audited.append(times[True])
            ratios.append(times[True] / times[False])
        results[name] = {
            "plain_median_s": statistics.median(plain),
            "audited_median_s": statistics.median(audited),
            "ratio_median": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "ratio_quartiles": statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3,
            "rounds": rounds,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    results = measure(args.rounds)
    for name, r in results.items():
        print(
            f"{name}: {BATCHES} batches, plain {r['plain_median_s'] * 1e3:.1f} ms, audited "
            f"{r['audited_median_s'] * 1e3:.1f} ms (medians of {r['rounds']}); ratio median {r['ratio_median']:.3f}, "
            f"quartiles {r['ratio_quartiles'][0]:.3f}-{r['ratio_quartiles'][2]:.3f}, "
            f"range {r['ratio_min']:.3f}-{r['ratio_max']:.3f}"
        )
    print(json.dumps({"torch": torch.__version__, "batches": BATCHES, "batch": BATCH, "models": results}))


if __name__ == "__main__":
    main()
