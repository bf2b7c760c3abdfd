"""Getting numbers out for metrics and logging, and what a tensor-valued running total keeps.

Saved-tensor memory is measured as in the accuracy chapter: a saved-tensors hook keeps a weak
reference to every tensor autograd saves for backward, so what is still alive is what some graph
holds.

Claims:
    detach.item-returns-python-number: On a floating-point tensor, `.item()`
        returns a plain Python float and `.tolist()` nested lists of Python
        floats, with no link to the graph; both work on tensors that require
        grad, and `.item()` on a tensor with more than one element raises a
        RuntimeError.
    detach.running-sum-keeps-graphs: In an evaluation loop without backward,
        adding each batch's loss tensor into a running total keeps every batch's
        saved tensors alive (the saved bytes grow by the same amount with every
        batch, and the total can still be differentiated after the loop), while
        adding `loss.item()` keeps only the current batch's graph.
    detach.running-sum-in-training-keeps-nodes: In a training loop that calls
        `backward()` every step, a tensor-valued running total keeps no saved
        tensors (backward frees them) but grows by one `AddBackward0` node per
        step, each linked to that step's emptied graph, and calling `backward()` on the total afterwards raises "Trying to
        backward through the graph a second time".

Counter-cases:
    detach.item-returns-python-number: `value = loss.item()` -> `value = loss.detach()`
    detach.item-returns-python-number: `logits.item()  # six elements` -> `logits[0, 0].item()  # six elements`
    detach.running-sum-keeps-graphs: `total += loss  # a tensor: keeps this batch's graph` -> `total += loss.item()  # a tensor: keeps this batch's graph`
    detach.running-sum-keeps-graphs: `total += loss.item()  # a float: only `loss` holds a graph` -> `total += loss  # a float: only `loss` holds a graph`
    detach.running-sum-in-training-keeps-nodes: `loss.backward()  # frees this step's saved tensors` -> `loss.backward(retain_graph=True)  # frees this step's saved tensors`
    detach.running-sum-in-training-keeps-nodes: `total += loss  # a tensor: keeps this step's nodes` -> `total += loss.detach()  # a tensor: keeps this step's nodes`
"""

# claim: detach.item-returns-python-number
# --8<-- [start:item]
import torch

torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
loss = (w**2).sum()
logits = torch.stack([w, 2 * w])

value = loss.item()
print(type(value).__name__, loss.requires_grad)
#> float True
assert type(value) is float and value == (w.detach() ** 2).sum().item()
assert loss.requires_grad and logits.requires_grad  # .item() and .tolist() work on these
rows = logits.tolist()
assert len(rows) == 2 and all(type(v) is float for row in rows for v in row)
try:
    logits.item()  # six elements
except RuntimeError as error:
    print(error)
    #> a Tensor with 6 elements cannot be converted to Scalar
    assert str(error) == "a Tensor with 6 elements cannot be converted to Scalar"
# --8<-- [end:item]

# claim: detach.running-sum-keeps-graphs
# --8<-- [start:running_sum_eval]
import itertools
import weakref

import torch
import torch.nn.functional as F

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
batches = [(torch.randn(32, 4), torch.randn(32, 1)) for _ in range(5)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
keys = itertools.count()


def pack(t):
    saved = t.detach()  # equivalent: the running total keeps every graph anyway; never return t itself
    alive[next(keys)] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


total, held = 0.0, []
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    for inputs, targets in batches:
        loss = F.mse_loss(model(inputs), targets)  # evaluation: no backward
        total += loss  # a tensor: keeps this batch's graph
        held.append(held_bytes())

print(held)
#> [17408, 34816, 52224, 69632, 87040]
assert held == [17_408 * n for n in range(1, 6)]  # every batch's saved tensors are kept
(grad,) = torch.autograd.grad(total, model[0].weight)  # all five graphs are still there
assert grad.shape == (64, 4)
# --8<-- [end:running_sum_eval]

# --8<-- [start:running_sum_item]
import itertools
import weakref

import torch
import torch.nn.functional as F

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
batches = [(torch.randn(32, 4), torch.randn(32, 1)) for _ in range(5)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
keys = itertools.count()


def pack(t):
    saved = t.detach()  # detach: the hook must not reference its input
    alive[next(keys)] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


total, held = 0.0, []
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    for inputs, targets in batches:
        loss = F.mse_loss(model(inputs), targets)
        total += loss.item()  # a float: only `loss` holds a graph
        held.append(held_bytes())

print(type(total).__name__, held)
#> float [17408, 17408, 17408, 17408, 17408]
assert held == [17_408] * 5  # only the current batch's graph is alive
# --8<-- [end:running_sum_item]

# claim: detach.running-sum-in-training-keeps-nodes
# --8<-- [start:running_sum_train]
import itertools
import weakref

import torch
import torch.nn.functional as F

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
batches = [(torch.randn(32, 4), torch.randn(32, 1)) for _ in range(5)]

alive = weakref.WeakValueDictionary()  # the saved tensors some graph still holds
keys = itertools.count()


def pack(t):
    saved = t.detach()  # detach: the hook must not reference its input
    alive[next(keys)] = saved  # a weak reference: the entry goes when the graph frees it
    return saved


def held_bytes():
    return sum(t.numel() * t.element_size() for t in alive.values())


def count_nodes(node, name):
    """How many nodes called `name` the graph below `node` has."""
    seen, todo = set(), [node]
    while todo:
        node = todo.pop()
        if node is not None and node not in seen:
            seen.add(node)
            todo.extend(parent for parent, _ in node.next_functions)
    return sum(type(node).__name__ == name for node in seen)


total, held, adds, linked = 0.0, [], [], []
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    for inputs, targets in batches:
        loss = F.mse_loss(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()  # frees this step's saved tensors
        optimizer.step()
        total += loss  # a tensor: keeps this step's nodes
        held.append(held_bytes())
        adds.append(count_nodes(total.grad_fn, "AddBackward0"))
        linked.append(count_nodes(total.grad_fn, "MseLossBackward0"))  # each step's loss node

print(held, adds, linked)
#> [0, 0, 0, 0, 0] [1, 2, 3, 4, 5] [1, 2, 3, 4, 5]
assert held == [0] * 5  # no saved tensors kept ...
assert adds == [1, 2, 3, 4, 5]  # ... but one more node every step
assert linked == [1, 2, 3, 4, 5]  # ... and every step's emptied graph behind it
try:
    total.backward()  # backward through the first step again
except RuntimeError as error:
    assert "Trying to backward through the graph a second time" in str(error)
# --8<-- [end:running_sum_train]
