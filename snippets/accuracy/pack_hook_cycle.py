"""A pack hook that returns its input creates a reference cycle: the graph is never freed.

The measure is a weak reference to the input batch's storage: it stays valid as long as any
tensor, including one a graph saved, still uses that memory.

Claims:
    accuracy.pack-hook-cycle: With a saved-tensors pack hook that returns its input `t`, the
        graph of a Linear-ReLU-Linear forward pass (the ReLU saves its own output) keeps the
        input batch's memory alive after the batch and the logits are deleted, and even after
        `gc.collect()`; with a pack hook that returns `t.detach()` it is freed as soon as the
        logits are deleted, and a single Linear layer, whose graph saves only its inputs,
        frees it even with the hook that returns `t`.

Counter-cases:
    accuracy.pack-hook-cycle: `return t  # refers to its input: a reference cycle` -> `return t.detach()`
    accuracy.pack-hook-cycle: `return t.detach()  # the advice of PyTorch's docs` -> `return t`
"""

# --8<-- [start:returns-t]
import gc
import weakref

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


saved_by = []  # the grad_fn of each tensor autograd saves


def pack(t):
    saved_by.append(type(t.grad_fn).__name__)
    return t  # refers to its input: a reference cycle


x = torch.randn(16, 4)
batch_memory = weakref.ref(x.untyped_storage())  # valid while any tensor uses this memory
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    logits = model(x)
del x, logits  # equivalent: the batch stays alive either way; the t.detach() counter-case frees it
print(saved_by)  # the ReLU's output (grad_fn ReluBackward0) is saved twice
#> ['NoneType', 'ReluBackward0', 'ReluBackward0', 'TBackward0']
assert saved_by.count("ReluBackward0") == 2
gc.collect()
print(batch_memory() is not None)  # nothing of ours refers to the graph any more
#> True
assert batch_memory() is not None  # the graph, and the batch it saved, were never freed

linear = torch.nn.Linear(4, 3)  # saves its input and weight only, not its own output
x = torch.randn(16, 4)
batch_memory = weakref.ref(x.untyped_storage())
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    logits = linear(x)
del x, logits
print(batch_memory() is not None)
#> False
assert batch_memory() is None  # no cycle here
# --8<-- [end:returns-t]

# --8<-- [start:returns-detach]
import weakref

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


def pack(t):
    return t.detach()  # the advice of PyTorch's docs


x = torch.randn(16, 4)
batch_memory = weakref.ref(x.untyped_storage())  # valid while any tensor uses this memory
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    logits = model(x)
del x
assert batch_memory() is not None  # the graph behind logits holds the batch
del logits
print(batch_memory() is not None)
#> False
assert batch_memory() is None  # freed with the logits, no gc.collect() needed
# --8<-- [end:returns-detach]
