"""no_grad does not stop parameter updates; it is the mode in which they are made.

Claims:
    no-grad.does-not-block-updates: Inside `no_grad`, `optimizer.step()` still changes the
        parameters from their existing `.grad`, and so does an explicit in-place update.
    no-grad.inplace-leaf-update-needs-no-grad: An in-place update of a leaf parameter in
        grad mode raises `RuntimeError: a leaf Variable that requires grad is being used in
        an in-place operation.`; `optimizer.step()` called in grad mode works because the
        step turns grad mode off itself, and with `differentiable=True`, which keeps grad
        mode on during the step, it raises the same error.

Counter-cases:
    no-grad.does-not-block-updates: `optimizer.step()  # inside no_grad` -> `optimizer.zero_grad()  # inside no_grad`
    no-grad.does-not-block-updates: `model.weight.add_(1.0)  # a manual in-place update, also applied` -> `model.weight.add(1.0)  # a manual in-place update, also applied`
    no-grad.inplace-leaf-update-needs-no-grad: `model.weight.add_(1.0)  # grad mode: refused` -> `model.weight.detach().add_(1.0)  # grad mode: refused`
    no-grad.inplace-leaf-update-needs-no-grad: `differentiable = torch.optim.SGD(model.parameters(), lr=0.1, differentiable=True)` -> `differentiable = torch.optim.SGD(model.parameters(), lr=0.1, differentiable=False)`
"""

# --8<-- [start:updates]
import torch

# claim: no-grad.does-not-block-updates
torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model(torch.ones(1, 2)).sum().backward()  # fills .grad

before = model.weight.detach().clone()  # equivalent: only values are compared; detach() keeps the copy out of the graph
with torch.no_grad():
    optimizer.step()  # inside no_grad
    assert not torch.is_grad_enabled()
print(torch.equal(model.weight, before))
#> False
assert not torch.equal(model.weight, before)  # the step happened
assert torch.allclose(model.weight, before - 0.1 * model.weight.grad)

with torch.no_grad():
    model.weight.add_(1.0)  # a manual in-place update, also applied
assert torch.allclose(model.weight, before - 0.1 * model.weight.grad + 1.0)
assert model.weight.is_leaf and model.weight.grad_fn is None
# --8<-- [end:updates]

# --8<-- [start:leaf]
import torch

# claim: no-grad.inplace-leaf-update-needs-no-grad
torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model(torch.ones(1, 2)).sum().backward()  # fills .grad

try:
    model.weight.add_(1.0)  # grad mode: refused
except RuntimeError as error:
    print(error)
    #> a leaf Variable that requires grad is being used in an in-place operation.
    assert str(error) == "a leaf Variable that requires grad is being used in an in-place operation."

before = model.weight.detach().clone()  # equivalent: only values are compared; detach() keeps the copy out of the graph
optimizer.step()  # grad mode too, yet it works: step() disables grad itself
assert not torch.equal(model.weight, before)
assert model.weight.is_leaf and model.weight.grad_fn is None

differentiable = torch.optim.SGD(model.parameters(), lr=0.1, differentiable=True)
try:
    differentiable.step()  # keeps grad mode on while updating
except RuntimeError as error:
    assert str(error) == "a leaf Variable that requires grad is being used in an in-place operation."
# --8<-- [end:leaf]
