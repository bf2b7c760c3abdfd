"""Outside no_grad, an evaluation forward pass records a graph and saves tensors for it.

Claims:
    accuracy.forward-records-graph: Outside `torch.no_grad()`, the output of a forward
        pass has a `grad_fn` and `requires_grad=True`, even in `eval()` mode and even
        though the input batch itself does not require grad; under `no_grad` it has neither.
    accuracy.forward-saves-tensors: During that forward pass autograd saves tensors for a
        later backward (for a Linear-ReLU-Linear model: four of them, namely the input batch
        itself, the hidden activation twice and the second layer's transposed weight),
        while under `torch.no_grad()` it saves none.

Counter-cases:
    accuracy.forward-records-graph: `logits = model(x)  # no no_grad: recorded` -> `logits = model(x).detach()`
    accuracy.forward-saves-tensors: `with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(pack, unpack):` -> `with torch.autograd.graph.saved_tensors_hooks(pack, unpack):`
"""

# --8<-- [start:without]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).eval()
x = torch.randn(5, 4)  # an input batch, requires_grad=False like any loaded data

saved = []  # (shape, data pointer) of every tensor autograd saves for backward


def pack(t):
    saved.append((tuple(t.shape), t.data_ptr()))
    return t.detach()  # equivalent: nothing here checks when the graph is freed; never return t itself


def unpack(t):
    return t


with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    logits = model(x)  # no no_grad: recorded

# claim: accuracy.forward-records-graph
print(type(logits.grad_fn).__name__, logits.requires_grad, x.requires_grad)
#> AddmmBackward0 True False
assert not model.training  # eval mode, and still recorded
assert not x.requires_grad
assert logits.requires_grad
assert logits.grad_fn is not None  # the root of a recorded graph

# claim: accuracy.forward-saves-tensors
print([shape for shape, _ in saved])
#> [(5, 4), (5, 8), (5, 8), (8, 3)]
assert len(saved) == 4
assert sorted(shape for shape, _ in saved) == [(5, 4), (5, 8), (5, 8), (8, 3)]
assert any(ptr == x.data_ptr() for _, ptr in saved)  # the input batch is kept
hidden = [ptr for shape, ptr in saved if shape == (5, 8)]
assert hidden[0] == hidden[1]  # one hidden activation, saved by two nodes
weight_t = [ptr for shape, ptr in saved if shape == (8, 3)]
assert weight_t == [model[2].weight.data_ptr()]  # the (3, 8) weight, saved as its (8, 3) transpose
# --8<-- [end:without]

# --8<-- [start:with]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).eval()
x = torch.randn(5, 4)

saved = []  # every tensor autograd saves for backward


def pack(t):
    saved.append(tuple(t.shape))
    return t.detach()  # equivalent: never called under no_grad; never return t itself


def unpack(t):
    return t


with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    logits = model(x)

# claim: accuracy.forward-saves-tensors
print(saved)
#> []
assert saved == []

# claim: accuracy.forward-records-graph
print(logits.grad_fn, logits.requires_grad)
#> None False
assert not model.training  # the same model in eval mode
assert not logits.requires_grad
assert logits.grad_fn is None
# --8<-- [end:with]
