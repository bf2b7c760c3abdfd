"""A validation loop that keeps outputs or losses in a list, in grad mode, keeps every graph.

The measure is deterministic: a saved-tensors hook keeps a weak reference to every tensor
autograd saves for backward, so what is left is what some graph still holds.

Claims:
    accuracy.validation-list-keeps-graphs: In grad mode, even in `eval()` mode, a validation
        loop that appends each batch's logits and loss to lists keeps every batch's saved
        tensors alive, so the bytes held by graphs grow by the same amount (18,692 bytes)
        with every batch and reach 93,460 after 5 batches; appending `logits.detach()` and
        `loss.item()` keeps only the current batch's forward graph (17,664 bytes after every
        batch), and under `torch.no_grad()` nothing is saved.

Counter-cases:
    accuracy.validation-list-keeps-graphs: `losses.append(F.cross_entropy(logits, targets))  # so does the loss` -> `losses.append(F.cross_entropy(logits, targets).item())`
    accuracy.validation-list-keeps-graphs: `outputs.append(logits.detach())` -> `outputs.append(logits)`
    accuracy.validation-list-keeps-graphs: `with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):` -> `with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):`
"""

# --8<-- [start:grad-mode]
import itertools
import weakref

import torch
import torch.nn.functional as F

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3)).eval()
batches = [(torch.randn(32, 4), torch.randint(0, 3, (32,))) for _ in range(5)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
keys = itertools.count()


def pack(t):
    saved = t.detach()  # equivalent: the lists keep every graph anyway; never return t itself
    alive[next(keys)] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


outputs, losses, held = [], [], []
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    for inputs, targets in batches:
        logits = model(inputs)  # no no_grad
        outputs.append(logits)  # keeps logits.grad_fn and its graph
        losses.append(F.cross_entropy(logits, targets))  # so does the loss
        held.append(held_bytes())

print(held)
#> [18692, 37384, 56076, 74768, 93460]
assert not model.training  # eval mode
assert held == [18_692 * n for n in range(1, 6)]  # grows with every batch
# --8<-- [end:grad-mode]

# --8<-- [start:detach]
import itertools
import weakref

import torch
import torch.nn.functional as F

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3)).eval()
batches = [(torch.randn(32, 4), torch.randint(0, 3, (32,))) for _ in range(5)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
keys = itertools.count()


def pack(t):
    saved = t.detach()  # detach: the hook must not reference its input
    alive[next(keys)] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


outputs, losses, held = [], [], []
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    for inputs, targets in batches:
        logits = model(inputs)  # still recorded...
        outputs.append(logits.detach())
        losses.append(F.cross_entropy(logits, targets).item())
        held.append(held_bytes())

print(held)
#> [17664, 17664, 17664, 17664, 17664]
assert not model.training  # eval mode
assert held == [17_664] * 5  # ...but only the current batch's graph is alive
# --8<-- [end:detach]

# --8<-- [start:no-grad]
import itertools
import weakref

import torch
import torch.nn.functional as F

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3)).eval()
batches = [(torch.randn(32, 4), torch.randint(0, 3, (32,))) for _ in range(5)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
keys = itertools.count()


def pack(t):
    saved = t.detach()  # equivalent: never called under no_grad; never return t itself
    alive[next(keys)] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


outputs, losses, held = [], [], []
with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    for inputs, targets in batches:
        logits = model(inputs)
        outputs.append(logits)
        losses.append(F.cross_entropy(logits, targets))
        held.append(held_bytes())

print(held, logits.grad_fn)
#> [0, 0, 0, 0, 0] None
assert not model.training  # eval mode
assert held == [0] * 5  # nothing recorded, nothing saved
# --8<-- [end:no-grad]
