"""detach().clone() for an independent copy.

Claims:
    detach.detach-clone-independent: `x.detach().clone()` owns new memory, so
        changing it in place neither alters `x` nor trips autograd's version
        check, whereas `x.clone()` alone stays in the graph.

Counter-cases:
    detach.detach-clone-independent: `snapshot = out.detach().clone()  # new memory, no graph` -> `snapshot = out.detach()  # new memory, no graph`
"""

# --8<-- [start:main]
import torch

x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
out = x.exp()
snapshot = out.detach().clone()  # new memory, no graph

assert snapshot.grad_fn is None and not snapshot.requires_grad  # no graph
assert snapshot.data_ptr() != out.data_ptr()
snapshot.zero_()
assert out._version == 0 and out[2].item() > 0  # original untouched
out.sum().backward()  # no version error
print(out._version, snapshot.tolist())
#> 0 [0.0, 0.0, 0.0]
assert torch.allclose(x.grad, x.detach().exp())

assert x.clone().grad_fn is not None  # clone() alone is recorded
# --8<-- [end:main]
