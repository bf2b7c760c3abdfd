"""The graph, and every tensor it saved, lives as long as the output that leads to it.

Claims:
    accuracy.graph-lives-with-output: Without `no_grad`, the input batch saved by the graph
        stays alive after its own name is deleted for as long as the logits, or any tensor
        derived from them with a `grad_fn` such as a loss, is referenced, and is freed as
        soon as the last of them goes; a prediction from `argmax` does not keep it, and
        under `no_grad` nothing does.

Counter-cases:
    accuracy.graph-lives-with-output: `with torch.no_grad():` -> `with torch.enable_grad():`
    accuracy.graph-lives-with-output: `loss = logits.logsumexp(dim=1).mean()` -> `loss = logits.logsumexp(dim=1).mean().detach()`
"""

# --8<-- [start:without]
import weakref

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))

x = torch.randn(16, 4)
batch_alive = weakref.ref(x)  # a weak reference does not keep x alive
logits = model(x)
del x

print(batch_alive() is not None)
#> True
assert batch_alive() is not None  # the graph behind logits holds the batch
loss = logits.logsumexp(dim=1).mean()
del logits
assert batch_alive() is not None  # loss -> its grad_fn -> ... -> the saved batch
del loss
print(batch_alive() is not None)
#> False
assert batch_alive() is None  # last reference gone: graph and batch freed

x = torch.randn(16, 4)
batch_alive = weakref.ref(x)
pred = model(x).argmax(dim=1)  # logits are dropped at once, pred has no grad_fn
del x
assert pred.grad_fn is None
assert batch_alive() is None
# --8<-- [end:without]

# --8<-- [start:with]
import weakref

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))

x = torch.randn(16, 4)
batch_alive = weakref.ref(x)  # a weak reference does not keep x alive
with torch.no_grad():
    logits = model(x)
del x

print(logits.grad_fn, batch_alive())
#> None None
assert logits.grad_fn is None
assert batch_alive() is None  # nothing was saved, so nothing holds the batch
# --8<-- [end:with]
