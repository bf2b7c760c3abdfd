"""Freezing parameters is neither eval() nor no_grad.

Claims:
    eval-mode.freezing-is-neither: `model.requires_grad_(False)` leaves the model
        in train mode (Dropout still drops, BatchNorm statistics still move) and
        leaves grad mode on, so an input that requires grad is still recorded
        through the frozen layers.

Counter-cases:
    eval-mode.freezing-is-neither: `model.requires_grad_(False)  # freeze every parameter` -> `model.requires_grad_(False).eval()`
"""

# --8<-- [start:main]
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5))
model.requires_grad_(False)  # freeze every parameter

assert model.training and torch.is_grad_enabled()  # neither switch moved
x = torch.randn(16, 4)
before = model[1].running_mean.clone()
first, second = model(x), model(x)
assert not torch.equal(first, second)  # dropout still active
assert not torch.equal(model[1].running_mean, before)  # statistics still move
assert first.grad_fn is None  # nothing requires grad here ...

x.requires_grad_(True)
out = model(x)
print(type(out.grad_fn).__name__)
#> MulBackward0
assert out.grad_fn is not None  # ... but a graph is recorded through the layers
out.sum().backward()
assert x.grad is not None and model[0].weight.grad is None
# --8<-- [end:main]
