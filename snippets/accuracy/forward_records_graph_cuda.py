"""On a GPU the same evaluation forward pass records the same graph, kept on the GPU.

Claims:
    accuracy.cuda-records-the-same: On CUDA, a forward pass outside `torch.no_grad()` gives
        the logits a `grad_fn` and saves the same four tensors as on CPU (the input batch,
        the hidden activation twice, the second layer's transposed weight), all in GPU
        memory; under `no_grad` it saves none.

Counter-cases:
    accuracy.cuda-records-the-same: `with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(pack, unpack):` -> `with torch.autograd.graph.saved_tensors_hooks(pack, unpack):`

Requires: cuda
"""

# --8<-- [start:main]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).cuda()
x = torch.randn(5, 4, device="cuda")

saved = []  # (shape, device, data pointer) of every tensor autograd saves


def pack(t):
    saved.append((tuple(t.shape), t.device.type, t.data_ptr()))
    return t.detach()  # equivalent: nothing here checks when the graph is freed; never return t itself


def unpack(t):
    return t


with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    logits = model(x)

assert logits.grad_fn is not None
assert sorted(shape for shape, _, _ in saved) == [(5, 4), (5, 8), (5, 8), (8, 3)]
assert {device for _, device, _ in saved} == {"cuda"}
assert any(ptr == x.data_ptr() for _, _, ptr in saved)  # the input batch is kept, on the GPU
hidden = [ptr for shape, _, ptr in saved if shape == (5, 8)]
assert hidden[0] == hidden[1]  # one hidden activation, saved by two nodes
assert [ptr for shape, _, ptr in saved if shape == (8, 3)] == [model[2].weight.data_ptr()]

saved.clear()
with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    logits = model(x)

assert logits.grad_fn is None
assert saved == []
# --8<-- [end:main]
