"""What the usual accuracy operations record, and what they do not.

Claims:
    accuracy.argmax-records-nothing: `argmax`, `==` and `.sum()` on the comparison return
        tensors without a `grad_fn` and make autograd save nothing, even when the logits
        have a `grad_fn`, and `.item()` returns a plain Python `int` for the integer count
        and a plain `float` for a float mean.
    accuracy.max-values-carry-graph: `torch.max(logits, dim=1)` returns values that carry a
        `grad_fn` (only its indices do not), and so do `softmax` probabilities, so a
        confidence summed from them keeps the graph, input batch included, alive.

Counter-cases:
    accuracy.argmax-records-nothing: `pred = logits.argmax(dim=1)` -> `pred = logits.max(dim=1).values`
    accuracy.max-values-carry-graph: `confidence = model(batch).softmax(dim=1).max(dim=1).values.sum()` -> `confidence = model(batch).softmax(dim=1).max(dim=1).values.sum().item()`
"""

# --8<-- [start:argmax]
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 3)
inputs, targets = torch.randn(8, 4), torch.randint(0, 3, (8,))
logits = model(inputs)  # outside no_grad: logits have a grad_fn

n_saved = 0


def pack(t):
    global n_saved
    n_saved += 1
    return t.detach()  # equivalent: never called here (n_saved == 0); never return t itself


# claim: accuracy.argmax-records-nothing
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    pred = logits.argmax(dim=1)
    hits = pred == targets
    correct = hits.sum()

print(type(logits.grad_fn).__name__, pred.grad_fn, hits.grad_fn, correct.grad_fn, n_saved)
#> AddmmBackward0 None None None 0
print(type(correct.item()).__name__, type(hits.float().mean().item()).__name__)
#> int float
assert logits.grad_fn is not None
assert n_saved == 0
assert pred.grad_fn is None and hits.grad_fn is None and correct.grad_fn is None
assert not correct.requires_grad
assert type(correct.item()) is int
assert type(hits.float().mean().item()) is float
# --8<-- [end:argmax]

# --8<-- [start:max]
import weakref

import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 3)
inputs = torch.randn(8, 4)
logits = model(inputs)  # outside no_grad: logits have a grad_fn

# claim: accuracy.max-values-carry-graph
values, indices = torch.max(logits, dim=1)
probs = logits.softmax(dim=1)
print(type(values.grad_fn).__name__, indices.grad_fn, type(probs.grad_fn).__name__)
#> MaxBackward0 None SoftmaxBackward0
assert values.grad_fn is not None
assert indices.grad_fn is None
assert torch.equal(indices, logits.argmax(dim=1))
assert probs.grad_fn is not None
confidence = probs.max(dim=1).values.sum()
assert confidence.grad_fn is not None  # SumBackward0

batch = torch.randn(8, 4)
batch_alive = weakref.ref(batch)  # a weak reference does not keep the batch alive
confidence = model(batch).softmax(dim=1).max(dim=1).values.sum()
del batch
print(batch_alive() is not None)
#> True
assert batch_alive() is not None  # the confidence's graph still holds the batch
del confidence
assert batch_alive() is None
# --8<-- [end:max]
