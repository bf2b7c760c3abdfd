"""torchmetrics: what calling a metric object returns, what it accumulates, and reset().

Claims:
    accuracy.torchmetrics-forward-keeps-graph: With torchmetrics 1.9.0, calling a
        `MeanMetric` as `metric(loss)` returns the batch mean with a `grad_fn`
        (`CloneBackward0`) when `loss` has one, and while that value is referenced the
        batch's graph, input batch included, stays alive, also inside the metric object,
        which keeps the last batch value until `reset()`; its accumulated states and
        `compute()` have no `grad_fn`, `MulticlassAccuracy` called on logits returns a batch
        value without one, and under `no_grad` the batch mean has none either.
    accuracy.torchmetrics-reset: Without `reset()`, a metric's `compute()` after a second
        epoch covers both epochs; with `reset()` between epochs it equals the second epoch's
        own value.

Counter-cases:
    accuracy.torchmetrics-forward-keeps-graph: `loss = F.cross_entropy(model(inputs), targets, reduction="none")  # no no_grad` -> `loss = F.cross_entropy(model(inputs), targets, reduction="none").detach()`
    accuracy.torchmetrics-reset: `metric.reset()  # before the next epoch` -> `pass`
"""

# --8<-- [start:forward]
# Requires: pip install torchmetrics
import weakref

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric
from torchmetrics.classification import MulticlassAccuracy

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
inputs, targets = torch.randn(16, 4), torch.randint(0, 3, (16,))
batch_alive = weakref.ref(inputs)  # a weak reference does not keep the batch alive

# claim: accuracy.torchmetrics-forward-keeps-graph
mean_loss = MeanMetric()
loss = F.cross_entropy(model(inputs), targets, reduction="none")  # no no_grad
batch_value = mean_loss(loss)  # forward: update() plus the value of this batch alone
del inputs, loss
print(type(batch_value.grad_fn).__name__, batch_alive() is not None)
#> CloneBackward0 True
assert batch_value.grad_fn is not None
assert batch_alive() is not None  # batch_value -> ... -> logits' graph -> the batch
print(mean_loss.mean_value.grad_fn, mean_loss.weight.grad_fn, mean_loss.compute().grad_fn)
#> None None None
assert mean_loss.mean_value.grad_fn is None and mean_loss.weight.grad_fn is None
assert mean_loss.compute().grad_fn is None

del batch_value
print(batch_alive() is not None)  # the metric object keeps the last batch value
#> True
assert batch_alive() is not None
mean_loss.reset()
print(batch_alive() is not None)
#> False
assert batch_alive() is None  # reset() dropped it, and the graph with it

accuracy = MulticlassAccuracy(num_classes=3, average="micro")
batch_accuracy = accuracy(model(torch.randn(16, 4)), targets)  # logits with a grad_fn
print(batch_accuracy.grad_fn)
#> None
assert batch_accuracy.grad_fn is None  # argmax and counting record nothing

with torch.no_grad():
    loss = F.cross_entropy(model(torch.randn(16, 4)), targets, reduction="none")
assert MeanMetric()(loss).grad_fn is None
# --8<-- [end:forward]

# --8<-- [start:reset]
# Requires: pip install torchmetrics
import torch
from torchmetrics.classification import MulticlassAccuracy

epoch_1 = (torch.tensor([0, 1, 2, 0]), torch.tensor([0, 1, 2, 0]))  # 4 of 4 right
epoch_2 = (torch.tensor([0, 1, 2, 0]), torch.tensor([1, 1, 0, 0]))  # 2 of 4 right

# claim: accuracy.torchmetrics-reset
metric = MulticlassAccuracy(num_classes=3, average="micro")
metric.update(*epoch_1)
print(metric.compute())
#> tensor(1.)
metric.reset()  # before the next epoch
metric.update(*epoch_2)
print(metric.compute())
#> tensor(0.5000)
assert metric.compute() == 0.5  # the second epoch alone

stale = MulticlassAccuracy(num_classes=3, average="micro")
stale.update(*epoch_1)
stale.update(*epoch_2)  # no reset() in between
print(stale.compute())
#> tensor(0.7500)
assert stale.compute() == 0.75  # 6 of 8: both epochs mixed
# --8<-- [end:reset]
