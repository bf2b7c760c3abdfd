"""During backward, grad mode follows create_graph, not the caller's grad mode.

Claims:
    no-grad.backward-grad-mode-follows-create-graph: While `backward()` or
        `torch.autograd.grad` runs, a tensor hook and a custom `autograd.Function`'s
        `backward` see `torch.is_grad_enabled()` equal to the `create_graph` argument:
        `False` for a plain `backward()` even when it is called inside `enable_grad`, and
        `True` for `torch.autograd.grad(..., create_graph=True)` even when it is called
        inside `no_grad`, whose returned gradient then has a `grad_fn`.

Counter-cases:
    no-grad.backward-grad-mode-follows-create-graph: `loss.backward()  # create_graph=False, the default` -> `loss.backward(create_graph=True)  # create_graph=False, the default`
    no-grad.backward-grad-mode-follows-create-graph: `(grad,) = torch.autograd.grad(loss, w, create_graph=True)` -> `(grad,) = torch.autograd.grad(loss, w, create_graph=False)`
"""

# --8<-- [start:plain]
import torch

# claim: no-grad.backward-grad-mode-follows-create-graph
modes = []


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        modes.append(("Function.backward", torch.is_grad_enabled()))
        (x,) = ctx.saved_tensors
        return 2 * x * grad


w = torch.tensor([1.0, 2.0], requires_grad=True)
y = w * 3
y.register_hook(lambda grad: modes.append(("tensor hook", torch.is_grad_enabled())))
loss = Square.apply(y).sum()
with torch.enable_grad():  # equivalent: grad mode is already on at top level
    assert torch.is_grad_enabled()  # the caller: grad mode on
    loss.backward()  # create_graph=False, the default
print(modes)
#> [('Function.backward', False), ('tensor hook', False)]
assert modes == [("Function.backward", False), ("tensor hook", False)]
# --8<-- [end:plain]

# --8<-- [start:create-graph]
import torch

modes = []


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        modes.append(("Function.backward", torch.is_grad_enabled()))
        (x,) = ctx.saved_tensors
        return 2 * x * grad


w = torch.tensor([1.0, 2.0], requires_grad=True)
y = w * 3
y.register_hook(lambda grad: modes.append(("tensor hook", torch.is_grad_enabled())))
loss = Square.apply(y).sum()
with torch.no_grad():
    assert not torch.is_grad_enabled()  # the caller: grad mode off
    (grad,) = torch.autograd.grad(loss, w, create_graph=True)
print(modes, type(grad.grad_fn).__name__)
#> [('Function.backward', True), ('tensor hook', True)] MulBackward0
assert modes == [("Function.backward", True), ("tensor hook", True)]
assert grad.grad_fn is not None  # recorded, although the call sat inside no_grad
# --8<-- [end:create-graph]
