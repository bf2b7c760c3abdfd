"""A custom autograd.Function called under no_grad runs its forward and records no backward.

Claims:
    no-grad.custom-function-under-no-grad: A custom `torch.autograd.Function` applied
        under `no_grad` to a tensor that requires grad runs its `forward`, but its output
        has no `grad_fn` and `requires_grad=False`, and its `backward` is never called:
        `backward()` on a loss built from that output raises "element 0 of tensors does not
        require grad and does not have a grad_fn"; applied in grad mode, the output has a
        `grad_fn` and `backward()` calls the Function's `backward`.

Counter-cases:
    no-grad.custom-function-under-no-grad: `with torch.no_grad():  # the Function is applied here` -> `with torch.enable_grad():  # the Function is applied here`
"""

# --8<-- [start:no-grad]
import torch

# claim: no-grad.custom-function-under-no-grad
calls = []


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        calls.append("forward")
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        calls.append("backward")
        (x,) = ctx.saved_tensors
        return 2 * x * grad


w = torch.tensor([1.0, 2.0], requires_grad=True)
assert w.requires_grad  # the input requires grad
with torch.no_grad():  # the Function is applied here
    out = Square.apply(w)
print(calls, out.grad_fn, out.requires_grad)
#> ['forward'] None False
assert calls == ["forward"]  # forward ran
assert torch.equal(out, torch.tensor([1.0, 4.0]))  # and computed w * w
assert out.grad_fn is None and not out.requires_grad  # nothing was recorded

try:
    out.sum().backward()
except RuntimeError as error:
    assert "does not require grad and does not have a grad_fn" in str(error)
assert calls == ["forward"] and w.grad is None  # backward never ran
# --8<-- [end:no-grad]

# --8<-- [start:grad-mode]
import torch

calls = []


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        calls.append("forward")
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        calls.append("backward")
        (x,) = ctx.saved_tensors
        return 2 * x * grad


w = torch.tensor([1.0, 2.0], requires_grad=True)
out = Square.apply(w)  # grad mode
print(type(out.grad_fn).__name__)
#> SquareBackward
out.sum().backward()
print(calls, w.grad)
#> ['forward', 'backward'] tensor([2., 4.])
assert calls == ["forward", "backward"]
assert torch.equal(w.grad, torch.tensor([2.0, 4.0]))
# --8<-- [end:grad-mode]
