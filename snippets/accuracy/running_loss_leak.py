"""`running_loss += loss` in an evaluation loop keeps every iteration's graph alive.

The measure is deterministic: a saved-tensors hook keeps a weak reference to every tensor
autograd saves for backward, so what is left is what some graph still holds.

Claims:
    accuracy.running-loss-keeps-graphs: Outside `no_grad`, and even in `eval()` mode,
        `running_loss += loss` makes `running_loss` a tensor with a `grad_fn` that keeps
        every iteration's saved tensors alive after the loop returns (10 batches: 10 x 8 = 80
        saved tensors, 18,920 bytes), until `running_loss` itself is dropped.
    accuracy.item-or-detach-stops-leak: Accumulating `loss.item()` or `loss.detach()` instead
        leaves no saved tensor alive after the loop, and the total has no `grad_fn`
        (each batch's graph is still recorded: the pack hook runs 80 times).
    accuracy.no-grad-stops-leak: Under `torch.no_grad()` even `running_loss += loss` saves
        no tensor at all, because no graph is recorded.

Counter-cases:
    accuracy.running-loss-keeps-graphs: `total = evaluate(lambda running, loss: running + loss)  # running_loss += loss` -> `total = evaluate(lambda running, loss: running + loss.detach())`
    accuracy.item-or-detach-stops-leak: `total = evaluate(lambda running, loss: running + loss.detach())` -> `total = evaluate(lambda running, loss: running + loss)`
    accuracy.no-grad-stops-leak: `with hooks, torch.no_grad():` -> `with hooks:`
"""

# --8<-- [start:tensor]
import weakref

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).eval()
batches = [(torch.randn(16, 4), torch.randint(0, 3, (16,))) for _ in range(10)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
n_packed = 0  # how many tensors autograd has saved so far


def pack(t):
    global n_packed
    n_packed += 1
    saved = t.detach()  # detach: the hook must not reference its input
    alive[n_packed] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


def evaluate(accumulate):
    running_loss = 0.0
    for inputs, targets in batches:
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        running_loss = accumulate(running_loss, loss)
    return running_loss  # every local (loss, logits, inputs) is gone after this


hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t)

# claim: accuracy.running-loss-keeps-graphs
with hooks:
    total = evaluate(lambda running, loss: running + loss)  # running_loss += loss

print(type(total.grad_fn).__name__, len(alive), held_bytes())
#> AddBackward0 80 18920
assert not model.training  # in eval mode all the same
assert isinstance(total, torch.Tensor) and total.grad_fn is not None
assert len(alive) == 10 * 8  # 8 saved tensors per batch, none freed
assert held_bytes() == 18_920
del total
print(len(alive))
#> 0
assert len(alive) == 0  # dropping the total frees all ten graphs at once
# --8<-- [end:tensor]

# --8<-- [start:item]
import weakref

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
batches = [(torch.randn(16, 4), torch.randint(0, 3, (16,))) for _ in range(10)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
n_packed = 0  # how many tensors autograd has saved so far


def pack(t):
    global n_packed
    n_packed += 1
    saved = t.detach()  # detach: the hook must not reference its input
    alive[n_packed] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


def evaluate(accumulate):
    running_loss = 0.0
    for inputs, targets in batches:
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        running_loss = accumulate(running_loss, loss)
    return running_loss  # every local (loss, logits, inputs) is gone after this


hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t)

# claim: accuracy.item-or-detach-stops-leak
with hooks:
    total = evaluate(lambda running, loss: running + loss.item())
print(type(total).__name__, n_packed, len(alive))
#> float 80 0
assert isinstance(total, float)
assert n_packed == 80  # each batch's graph was still recorded...
assert len(alive) == 0  # ...but none outlived the loop

n_packed = 0
with hooks:
    total = evaluate(lambda running, loss: running + loss.detach())
print(total.grad_fn, n_packed, len(alive))
#> None 80 0
assert total.grad_fn is None
assert n_packed == 80
assert len(alive) == 0
# --8<-- [end:item]

# --8<-- [start:no-grad]
import weakref

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
batches = [(torch.randn(16, 4), torch.randint(0, 3, (16,))) for _ in range(10)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
n_packed = 0  # how many tensors autograd has saved so far


def pack(t):
    global n_packed
    n_packed += 1
    saved = t.detach()  # equivalent: never called under no_grad; never return t itself
    alive[n_packed] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


def evaluate(accumulate):
    running_loss = 0.0
    for inputs, targets in batches:
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        running_loss = accumulate(running_loss, loss)
    return running_loss  # every local (loss, logits, inputs) is gone after this


hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t)

# claim: accuracy.no-grad-stops-leak
with hooks, torch.no_grad():
    total = evaluate(lambda running, loss: running + loss)  # the "leaky" line
print(total.grad_fn, n_packed, len(alive))
#> None 0 0
assert total.grad_fn is None
assert n_packed == 0  # nothing was ever saved
assert len(alive) == 0
# --8<-- [end:no-grad]
