"""requires_grad_() on a result computed under no_grad makes a new leaf: the model gets no gradient.

Claims:
    no-grad.requires-grad-cuts-graph: Calling `requires_grad_()` on an output computed
        under `no_grad` makes `backward()` on a loss built from it run without an error,
        but the output is a leaf with no `grad_fn`, the gradient stops at it (its `.grad`
        is filled) and every parameter of the model keeps `.grad` at `None`; computed
        in grad mode, the same loss fills the parameters' `.grad`.

Counter-cases:
    no-grad.requires-grad-cuts-graph: `with torch.no_grad():  # the forward pass` -> `with torch.enable_grad():  # the forward pass`
"""

# --8<-- [start:cut]
import torch

# claim: no-grad.requires-grad-cuts-graph
torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
x, target = torch.randn(8, 4), torch.randn(8, 1)

with torch.no_grad():  # the forward pass
    out = model(x)
out.requires_grad_()  # silences "does not require grad and does not have a grad_fn"
loss = torch.nn.functional.mse_loss(out, target)
loss.backward()  # runs without an error...

print(out.is_leaf, out.grad_fn, out.grad is not None, model.weight.grad)
#> True None True None
assert out.is_leaf and out.grad_fn is None  # a new leaf, cut from the model
assert out.grad is not None  # the gradient stops here...
assert all(p.grad is None for p in model.parameters())  # ...and never reaches the model
# --8<-- [end:cut]

# --8<-- [start:connected]
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
x, target = torch.randn(8, 4), torch.randn(8, 1)

out = model(x)  # grad mode: recorded
loss = torch.nn.functional.mse_loss(out, target)
loss.backward()
print(out.is_leaf, type(out.grad_fn).__name__, model.weight.grad is not None)
#> False AddmmBackward0 True
assert all(p.grad is not None for p in model.parameters())
# --8<-- [end:connected]
