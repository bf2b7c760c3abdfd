"""detach() after the fact vs no_grad from the start.

Claims:
    detach.detach-still-builds-graph: `model(x).detach()` runs a recorded forward
        pass (autograd saves tensors for backward) and only then drops the
        graph, while `torch.no_grad()` saves nothing; the values are identical.
    detach.detach-keeps-the-graph-you-need: Inside a training step, detaching
        a copy for logging or as a stop-gradient target leaves the loss's graph
        intact: backward still works and fills the parameters' gradients.

Counter-cases:
    detach.detach-still-builds-graph: `with torch.no_grad():  # nothing is recorded` -> `with torch.enable_grad():  # nothing is recorded`
    detach.detach-keeps-the-graph-you-need: `logged = pred.detach()  # for a logger: no graph, same numbers` -> `logged = pred  # for a logger: no graph, same numbers`
"""

# claim: detach.detach-still-builds-graph
# --8<-- [start:eval]
import torch
from torch import nn


def count_saved(fn):
    """How many tensors autograd saves for backward while fn runs, and what fn returns."""
    saved = []

    def pack(t):
        saved.append(t.shape)  # record, keep no reference to the tensor
        return t.detach()  # equivalent: nothing here checks when the graph is freed; never return t itself

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    return len(saved), out


def with_no_grad():
    with torch.no_grad():  # nothing is recorded
        return model(x)


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
x = torch.randn(4, 8)

n_detach, detached = count_saved(lambda: model(x).detach())
n_no_grad, not_recorded = count_saved(with_no_grad)
print(n_detach, detached.grad_fn, n_no_grad)
#> 4 None 0
assert n_detach > 0 and detached.grad_fn is None  # graph built, then dropped
assert n_no_grad == 0 and not_recorded.grad_fn is None  # never built
assert torch.equal(detached, not_recorded)  # same numbers
# --8<-- [end:eval]

# claim: detach.detach-keeps-the-graph-you-need
# --8<-- [start:train]
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(8, 2)
x = torch.randn(4, 8)

pred = model(x)
logged = pred.detach()  # for a logger: no graph, same numbers
target = pred.detach().mean(0)  # a stop-gradient target
loss = ((pred - target) ** 2).mean()
loss.backward()  # the graph of `pred` is still intact
print(type(loss.grad_fn).__name__, logged.grad_fn)
#> MeanBackward0 None
assert model.weight.grad is not None
assert logged.grad_fn is None and target.grad_fn is None and pred.grad_fn is not None
# --8<-- [end:train]
