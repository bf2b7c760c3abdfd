"""torch.func and forward-mode AD under no_grad and inference_mode.

Claims:
    beyond-eager.func-grad-ignores-outer-modes: `torch.func.grad` returns the correct
        gradient when called under `torch.no_grad()` or `torch.inference_mode()`: the
        function it transforms runs with grad mode on and inference mode off, while
        `torch.autograd.grad` on the same computation under `no_grad` fails with
        "element 0 of tensors does not require grad and does not have a grad_fn"; a
        `no_grad` block inside the transformed function is honoured.
    beyond-eager.forward-ad-stopped-by-inference-mode-only: A dual tensor built with
        `torch.autograd.forward_ad` carries its tangent through an operation under
        `torch.no_grad()`, but not under `torch.inference_mode()`, where the result
        has no tangent; `torch.func.jvp` returns the correct tangent under both.

Counter-cases:
    beyond-eager.func-grad-ignores-outer-modes: `with torch.no_grad():  # the inner block` -> `with torch.enable_grad():`
    beyond-eager.forward-ad-stopped-by-inference-mode-only: `tangent_no_grad = tangent_of_sin(x)` -> `with torch.inference_mode(): tangent_no_grad = tangent_of_sin(x)`

Torch: >=2.13
"""

# claim: beyond-eager.func-grad-ignores-outer-modes
# --8<-- [start:grad]
import torch
from torch.func import grad

torch.manual_seed(0)
x = torch.randn(3)
modes_seen = []


def f(x):
    modes_seen.append((torch.is_grad_enabled(), torch.is_inference_mode_enabled()))
    return (x.sin() ** 2).sum()


expected = 2 * x.sin() * x.cos()
around = []  # the modes around each call
with torch.no_grad():
    under_no_grad = grad(f)(x)
    around.append((torch.is_grad_enabled(), torch.is_inference_mode_enabled()))
with torch.inference_mode():
    under_inference = grad(f)(x)
    around.append((torch.is_grad_enabled(), torch.is_inference_mode_enabled()))
print(modes_seen, around)
#> [(True, False), (True, False)] [(False, False), (False, True)]
assert around == [(False, False), (False, True)]  # no_grad, then inference_mode around the calls
assert modes_seen == [(True, False), (True, False)]  # grad on, inference mode off inside f
assert torch.allclose(under_no_grad, expected) and torch.allclose(under_inference, expected)

with torch.no_grad():  # the reverse-mode API is stopped
    x_leaf = torch.randn(3, requires_grad=True)
    assert x_leaf.requires_grad  # the input requires grad: the block is what stops the graph
    try:
        torch.autograd.grad(f(x_leaf), x_leaf)
    except RuntimeError as error:
        assert "element 0 of tensors does not require grad" in str(error)


def g(x):
    with torch.no_grad():  # the inner block
        c = x**2
    return (x - c).sum()


print(grad(g)(torch.ones(3)))  # d/dx of x - c, with c a constant
#> tensor([1., 1., 1.])
assert torch.equal(grad(g)(torch.ones(3)), torch.ones(3))
# --8<-- [end:grad]

# claim: beyond-eager.forward-ad-stopped-by-inference-mode-only
# --8<-- [start:forward]
import torch
import torch.autograd.forward_ad as fwAD
from torch.func import jvp

torch.manual_seed(0)
x = torch.randn(3)


def tangent_of_sin(x):
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, torch.ones(3))
        return fwAD.unpack_dual(dual.sin()).tangent


with torch.no_grad():  # equivalent: no_grad does not stop forward AD (around forward AD)
    tangent_no_grad = tangent_of_sin(x)
with torch.inference_mode():
    tangent_inference = tangent_of_sin(x)
print(tangent_no_grad is None, tangent_inference is None)
#> False True
assert tangent_no_grad is not None and torch.allclose(tangent_no_grad, x.cos())
assert tangent_inference is None  # inference mode disables forward AD

for mode in (torch.no_grad, torch.inference_mode):
    with mode():
        _, tangent = jvp(torch.sin, (x,), (torch.ones(3),))
    assert torch.allclose(tangent, x.cos())
# --8<-- [end:forward]
