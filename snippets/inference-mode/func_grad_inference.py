"""torch.func.grad under inference_mode, and what torch.autograd.functional does there.

Claims:
    inference-mode.func-grad-under-inference-mode: In torch 2.13.0,
        `torch.func.grad` computes the correct gradient even inside
        `torch.inference_mode()` (the transformed function runs with inference
        mode off and grad mode on, and the gradient is a normal tensor), while
        `torch.autograd.functional.jacobian` called there silently returns
        zeros.

Counter-cases:
    inference-mode.func-grad-under-inference-mode: `gradient = grad(loss)(x)  # inside inference_mode` -> `gradient = torch.zeros(3)  # inside inference_mode`
    inference-mode.func-grad-under-inference-mode: `with torch.inference_mode():  # jacobian here` -> `with torch.no_grad():  # jacobian here`

Torch: >=2.13
"""

# --8<-- [start:main]
import torch
from torch.func import grad

seen = []


def loss(x):
    seen.append((torch.is_inference_mode_enabled(), torch.is_grad_enabled()))
    return (x**2).sum()


x = torch.tensor([0.0, 1.0, 2.0])
with torch.inference_mode():
    gradient = grad(loss)(x)  # inside inference_mode
    assert torch.is_inference_mode_enabled()  # still on after the call

print(gradient, seen, gradient.is_inference())
#> tensor([0., 2., 4.]) [(False, True)] False
assert torch.equal(gradient, 2 * x)  # the right gradient
assert seen == [(False, True)]  # inference mode off, grad mode on inside
assert not gradient.is_inference()

square = torch.tensor(3.0)
with torch.inference_mode():  # jacobian here
    jac = torch.autograd.functional.jacobian(lambda v: v**2, square)
print(jac)
#> tensor(0.)
assert jac.item() == 0.0  # silently wrong: d(v^2)/dv at 3 is 6
# --8<-- [end:main]
