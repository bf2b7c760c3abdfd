"""Correct evaluation loops: the audit reports nothing for them.

Claims:
    audit.correct-loops-silent: Five correct evaluation loops report no problem at all: `eval()` with
        `no_grad` (counting with `.item()` and keeping the outputs in a list), `eval()` with
        `inference_mode`, an evaluation function decorated with `no_grad`, a thread pool whose
        workers enter `no_grad` themselves, and a frozen model (no parameter requires grad)
        evaluated without `no_grad`.

Counter-cases:
    audit.correct-loops-silent: `with audit_evaluation(model) as report, torch.no_grad():  # the usual loop` -> `with audit_evaluation(model) as report:`
    audit.correct-loops-silent: `model.eval()  # before the inference_mode loop` -> `model.train()`
    audit.correct-loops-silent: `@torch.no_grad()  # in each worker thread` -> `@torch.enable_grad()`
    audit.correct-loops-silent: `model.requires_grad_(False)  # frozen: nothing requires grad` -> `model.requires_grad_(True)`
"""

# --8<-- [start:no-grad]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

model.eval()
with audit_evaluation(model) as report, torch.no_grad():  # the usual loop
    correct, total_loss, outputs = 0, 0.0, []
    for x, y in batches:
        logits = model(x)
        total_loss += nn.functional.cross_entropy(logits, y).item()  # equivalent: under no_grad a tensor sum holds no graph either
        correct += (logits.argmax(1) == y).sum().item()  # equivalent: under no_grad a tensor count holds no graph either
        outputs.append(logits)  # no graph behind them: keeping them is fine
print(report)
#> no problem found
# claim: audit.correct-loops-silent
assert report.ok and report.problems == []
# --8<-- [end:no-grad]

# --8<-- [start:inference-mode]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

model.eval()  # before the inference_mode loop
with audit_evaluation(model) as report, torch.inference_mode():  # equivalent: a no_grad loop is correct too: the audit is silent for both
    outputs = [model(x) for x, _ in batches]
print(report)
#> no problem found
assert report.ok and report.problems == []
# --8<-- [end:inference-mode]

# --8<-- [start:function]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]


@torch.no_grad()
def evaluate(model, batches):
    model.eval()
    losses = [nn.functional.cross_entropy(model(x), y) for x, y in batches]
    return torch.stack(losses).mean().item()  # equivalent: under no_grad the mean holds no graph either


with audit_evaluation(model) as report:
    mean_loss = evaluate(model, batches)
print(report)
#> no problem found
assert report.ok and report.problems == []
# --8<-- [end:function]

# --8<-- [start:thread-pool]
# Requires: eval_audit.py, saved next to this script
from concurrent.futures import ThreadPoolExecutor

import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]


@torch.no_grad()  # in each worker thread
def count_correct(batch):
    x, y = batch
    return (model(x).argmax(1) == y).sum().item()  # equivalent: under no_grad the count holds no graph either


model.eval()
with audit_evaluation(model) as report, ThreadPoolExecutor(2) as pool:
    correct = sum(pool.map(count_correct, batches))
print(report)
#> no problem found
assert report.ok and report.problems == []
# --8<-- [end:thread-pool]

# --8<-- [start:frozen]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

model.requires_grad_(False)  # frozen: nothing requires grad
model.eval()
with audit_evaluation(model) as report:  # grad mode, but no input of any op requires grad
    outputs = [model(x) for x, _ in batches]
print(report)
#> no problem found
assert report.ok and report.problems == []
# --8<-- [end:frozen]
