"""What no_grad does not stop: forward-mode AD and torch.func.grad.

Claims:
    inference-mode.forward-ad-ignores-no-grad: Forward-mode AD
        (`torch.autograd.forward_ad`) is not switched off by `torch.no_grad()`:
        a dual tensor's tangent still propagates through operations inside it,
        while inside `torch.inference_mode()` the same operation drops the
        tangent (`unpack_dual(...).tangent` is None).
    inference-mode.func-grad-under-no-grad: `torch.func.grad` computes the
        gradient even when called inside `torch.no_grad()`: the function it
        transforms runs with grad mode on, and grad mode is off again after the
        call.

Counter-cases:
    inference-mode.forward-ad-ignores-no-grad: `with torch.no_grad():  # backward recording off` -> `with torch.inference_mode():  # backward recording off`
    inference-mode.forward-ad-ignores-no-grad: `with torch.inference_mode():  # forward AD off too` -> `with torch.no_grad():  # forward AD off too`
    inference-mode.func-grad-under-no-grad: `gradient = grad(loss)(x)  # inside no_grad` -> `gradient = torch.zeros(3)  # inside no_grad`
"""

# claim: inference-mode.forward-ad-ignores-no-grad
# --8<-- [start:forward_ad]
import torch
import torch.autograd.forward_ad as fwAD

x = torch.tensor([0.0, 1.0, 2.0])
direction = torch.ones(3)

with fwAD.dual_level():
    dual = fwAD.make_dual(x, direction)  # x with a tangent attached
    with torch.no_grad():  # backward recording off
        y = dual * 3
        grad_mode = torch.is_grad_enabled()
    with torch.inference_mode():  # forward AD off too
        z = dual * 3
    y_tangent = fwAD.unpack_dual(y).tangent  # tangents exist only inside the level
    z_tangent = fwAD.unpack_dual(z).tangent

print(y_tangent, grad_mode, z_tangent)
#> tensor([3., 3., 3.]) False None
assert not grad_mode  # y was computed with grad mode off
assert y_tangent is not None and torch.equal(y_tangent, torch.full((3,), 3.0))  # propagated under no_grad
assert z_tangent is None  # dropped under inference_mode
# --8<-- [end:forward_ad]

# claim: inference-mode.func-grad-under-no-grad
# --8<-- [start:func_grad]
import torch
from torch.func import grad

seen = []


def loss(x):
    seen.append(torch.is_grad_enabled())
    return (x**2).sum()


x = torch.tensor([0.0, 1.0, 2.0])
with torch.no_grad():
    gradient = grad(loss)(x)  # inside no_grad
    assert not torch.is_grad_enabled()  # still no_grad after the call

print(gradient, seen)
#> tensor([0., 2., 4.]) [True]
assert torch.equal(gradient, 2 * x)  # d/dx sum(x^2) = 2x
assert seen == [True]  # the function ran in grad mode
# --8<-- [end:func_grad]
