"""A gallery of evaluation loops with one fault each, and what the audit reports.

Claims:
    audit.fault-no-no-grad: A loop in `eval()` without `no_grad` that keeps only `.item()` counts reports exactly
        `graph-recorded`, naming the model and the thread.
    audit.fault-running-loss: A running loss summed as a tensor, without `no_grad`, reports exactly `graph-recorded`
        and `graph-kept-alive`, with the graphs of all 5 forward passes kept.
    audit.fault-outputs-list: Outputs appended to a list without `no_grad` report exactly `graph-recorded` and
        `graph-kept-alive`, with the graphs of all 5 forward passes kept.
    audit.fault-forgotten-eval: A `no_grad` loop on a model left in training mode (no `eval()` call) reports exactly
        `training-mode`, for the batch-norm and the dropout layer, and `running-stats-updated`.
    audit.fault-train-in-loop: A loop that calls `model.train()` after its first batch reports exactly
        `training-mode`, for the 4 later batches, and `running-stats-updated`.
    audit.fault-thread-inside-no-grad: A forward pass in a worker thread started inside `no_grad` reports exactly
        `graph-recorded`, naming the worker thread.
    audit.fault-thread-pool: With `torch.set_grad_enabled(False)` called in the main thread and the forward passes
        run in a thread pool, the audit reports exactly `graph-recorded`, naming the pool's threads.
    audit.fault-optimizer-step: An optimizer step left in an evaluation loop without `no_grad` reports exactly
        `graph-recorded` and `parameters-changed` (`backward()` frees the graphs, so none is kept).
    audit.fault-dropout-in-list: A dropout kept in a plain Python list is not reached by `eval()`; the audit reports
        exactly `training-mode` for it, as a module that is not a registered submodule.
    audit.fault-batchnorm-inference-mode: A model in training mode evaluated under `torch.inference_mode()` reports
        exactly `training-mode` and `running-stats-updated`: `inference_mode` does not stop batch norm from updating its
        statistics.
    audit.fault-enable-grad: `enable_grad` nested inside `no_grad` around the forward pass reports exactly
        `graph-recorded` and `graph-kept-alive`, with the graph of 1 of the 5 forward passes kept, and `logits`, which
        holds the last batch's output, still has a `grad_fn`.

Counter-cases:
    audit.fault-no-no-grad: `with audit_evaluation(model) as report:  # no no_grad` -> `with audit_evaluation(model) as report, torch.no_grad():`
    audit.fault-running-loss: `total_loss += loss  # a tensor, with the graph of every batch behind it` -> `total_loss += loss.item()`
    audit.fault-outputs-list: `outputs.append(model(x))  # each output keeps its graph` -> `outputs.append(model(x).detach())`
    audit.fault-forgotten-eval: `with audit_evaluation(model) as report, torch.no_grad():  # no eval() before` -> `with audit_evaluation(model.eval()) as report, torch.no_grad():`
    audit.fault-train-in-loop: `model.train()  # e.g. a callback that puts the model back in training mode` -> `model.eval()`
    audit.fault-thread-inside-no-grad: `thread = threading.Thread(target=worker, name="eval-worker")` -> `thread = threading.Thread(target=torch.no_grad()(worker), name="eval-worker")`
    audit.fault-thread-pool: `correct = sum(pool.map(count_correct, batches))` -> `correct = sum(pool.map(torch.no_grad()(count_correct), batches))`
    audit.fault-optimizer-step: `optimizer.step()  # left over from the training loop` -> `optimizer.zero_grad()`
    audit.fault-dropout-in-list: `self.dropouts = [nn.Dropout(0.2)]  # a plain list: eval() does not reach it` -> `self.dropouts = nn.ModuleList([nn.Dropout(0.2)])`
    audit.fault-batchnorm-inference-mode: `model.train()  # left in training mode` -> `model.eval()`
    audit.fault-enable-grad: `with torch.enable_grad():  # e.g. inside a helper of a library` -> `with torch.no_grad():`

Timeout: 60
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
with audit_evaluation(model) as report:  # no no_grad
    correct = 0
    for x, y in batches:
        correct += (model(x).argmax(1) == y).sum().item()  # equivalent: argmax and == record nothing: a tensor count holds no graph
print(report)
#> graph-recorded: a forward pass of the model (Sequential) recorded an autograd graph (5 calls, thread MainThread)
# claim: audit.fault-no-no-grad
assert report.codes == {"graph-recorded"}
assert "the model (Sequential)" in str(report) and "thread MainThread" in str(report)
# --8<-- [end:no-grad]

# --8<-- [start:running-loss]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

model.eval()
with audit_evaluation(model) as report:
    total_loss = 0
    for x, y in batches:
        loss = nn.functional.cross_entropy(model(x), y)
        total_loss += loss  # a tensor, with the graph of every batch behind it
print(sorted(report.codes))
#> ['graph-kept-alive', 'graph-recorded']
# claim: audit.fault-running-loss
assert report.codes == {"graph-recorded", "graph-kept-alive"}
assert "from 5 of the 5 forward passes" in str(report)
# --8<-- [end:running-loss]

# --8<-- [start:outputs-list]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

model.eval()
with audit_evaluation(model) as report:
    outputs = []
    for x, _ in batches:
        outputs.append(model(x))  # each output keeps its graph
print(sorted(report.codes))
#> ['graph-kept-alive', 'graph-recorded']
# claim: audit.fault-outputs-list
assert report.codes == {"graph-recorded", "graph-kept-alive"}
assert "from 5 of the 5 forward passes" in str(report)
# --8<-- [end:outputs-list]

# --8<-- [start:forgotten-eval]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

with audit_evaluation(model) as report, torch.no_grad():  # no eval() before
    correct = 0
    for x, y in batches:
        correct += (model(x).argmax(1) == y).sum().item()  # equivalent: argmax and == record nothing: a tensor count holds no graph
print(report)
#> training-mode: submodule '1' (BatchNorm1d) ran in training mode (5 calls, thread MainThread)
#> training-mode: submodule '3' (Dropout) ran in training mode (5 calls, thread MainThread)
#> running-stats-updated: submodule '1' (BatchNorm1d): running_mean, running_var, num_batches_tracked changed
# claim: audit.fault-forgotten-eval
assert report.codes == {"training-mode", "running-stats-updated"}
assert "'1' (BatchNorm1d)" in str(report) and "'3' (Dropout)" in str(report)
# --8<-- [end:forgotten-eval]

# --8<-- [start:train-in-loop]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

model.eval()
with audit_evaluation(model) as report, torch.no_grad():
    correct = 0
    for x, y in batches:
        correct += (model(x).argmax(1) == y).sum().item()  # equivalent: argmax and == record nothing: a tensor count holds no graph
        model.train()  # e.g. a callback that puts the model back in training mode
print(report)
#> training-mode: submodule '1' (BatchNorm1d) ran in training mode (4 calls, thread MainThread)
#> training-mode: submodule '3' (Dropout) ran in training mode (4 calls, thread MainThread)
#> running-stats-updated: submodule '1' (BatchNorm1d): running_mean, running_var, num_batches_tracked changed
# claim: audit.fault-train-in-loop
assert report.codes == {"training-mode", "running-stats-updated"}
assert "(4 calls, thread MainThread)" in str(report)
# --8<-- [end:train-in-loop]

# --8<-- [start:thread]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]
import threading


def worker():
    for x, y in batches:
        results.append((model(x).argmax(1) == y).sum().item())  # equivalent: argmax and == record nothing: a tensor count holds no graph


model.eval()
results = []
with audit_evaluation(model) as report, torch.no_grad():  # equivalent: the worker does not inherit the main thread's mode: that is the fault
    thread = threading.Thread(target=worker, name="eval-worker")
    thread.start()
    thread.join()
print(report)
#> graph-recorded: a forward pass of the model (Sequential) recorded an autograd graph (5 calls, thread eval-worker)
# claim: audit.fault-thread-inside-no-grad
assert report.codes == {"graph-recorded"}
assert "thread eval-worker" in str(report)
# --8<-- [end:thread]

# --8<-- [start:thread-pool]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]
from concurrent.futures import ThreadPoolExecutor


def count_correct(batch):
    x, y = batch
    return (model(x).argmax(1) == y).sum().item()  # equivalent: argmax and == record nothing: a tensor count holds no graph


model.eval()
torch.set_grad_enabled(False)  # equivalent: pool threads never inherit it (off in the main thread only)
with audit_evaluation(model) as report, ThreadPoolExecutor(2, thread_name_prefix="pool") as pool:
    correct = sum(pool.map(count_correct, batches))
torch.set_grad_enabled(True)
print(sorted(report.codes))
#> ['graph-recorded']
# claim: audit.fault-thread-pool
assert report.codes == {"graph-recorded"}
assert "thread pool_" in str(report) and "MainThread" not in str(report)
# --8<-- [end:thread-pool]

# --8<-- [start:optimizer]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model.eval()
with audit_evaluation(model) as report:
    for x, y in batches:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()  # left over from the training loop
print(sorted(report.codes))
#> ['graph-recorded', 'parameters-changed']
# claim: audit.fault-optimizer-step
assert report.codes == {"graph-recorded", "parameters-changed"}
# --8<-- [end:optimizer]

# --8<-- [start:plain-list]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(8, 3)
        self.dropouts = [nn.Dropout(0.2)]  # a plain list: eval() does not reach it

    def forward(self, x):
        return self.dropouts[0](self.body(x))


torch.manual_seed(0)
model = Net()
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]
model.eval()
assert not model.training  # the model itself is in eval mode
with audit_evaluation(model) as report, torch.no_grad():
    correct = 0
    for x, y in batches:
        correct += (model(x).argmax(1) == y).sum().item()  # equivalent: argmax and == record nothing: a tensor count holds no graph
print(report)
#> training-mode: Dropout in the plain list 'dropouts' of the model (Net) (not a registered submodule) ran in training mode (5 calls, thread MainThread)
# claim: audit.fault-dropout-in-list
assert report.codes == {"training-mode"}
assert "(not a registered submodule)" in str(report)
# --8<-- [end:plain-list]

# --8<-- [start:inference-mode]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

model.train()  # left in training mode
with audit_evaluation(model) as report, torch.inference_mode():  # equivalent: no_grad does not stop batch norm's updates either
    correct = 0
    for x, y in batches:
        correct += (model(x).argmax(1) == y).sum().item()  # equivalent: argmax and == record nothing: a tensor count holds no graph
print(sorted(report.codes))
#> ['running-stats-updated', 'training-mode']
# claim: audit.fault-batchnorm-inference-mode
assert report.codes == {"training-mode", "running-stats-updated"}
# --8<-- [end:inference-mode]

# --8<-- [start:enable-grad]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]

model.eval()
with audit_evaluation(model) as report, torch.no_grad():  # equivalent: enable_grad records whatever the outer mode is
    correct = 0
    for x, y in batches:
        with torch.enable_grad():  # e.g. inside a helper of a library
            logits = model(x)
        correct += (logits.argmax(1) == y).sum().item()  # equivalent: argmax and == record nothing: a tensor count holds no graph
print(sorted(report.codes))
#> ['graph-kept-alive', 'graph-recorded']
# claim: audit.fault-enable-grad
assert report.codes == {"graph-recorded", "graph-kept-alive"}
assert "from 1 of the 5 forward passes" in str(report)
assert logits.grad_fn is not None  # the graph still held: the last batch's, through `logits`
# --8<-- [end:enable-grad]
