"""Results of operations inside no_grad are not part of any graph.

Claims:
    no-grad.results-do-not-require-grad: Inside `no_grad`, the result of an operation on a
        tensor that requires grad, including a custom `torch.autograd.Function`, has
        `requires_grad=False`, no `grad_fn` and `is_leaf=True`, while the same operations
        outside the block record a `grad_fn`.

Counter-cases:
    no-grad.results-do-not-require-grad: `with torch.no_grad():  # the operations run here` -> `with torch.enable_grad():  # the operations run here`
    no-grad.results-do-not-require-grad: `y, custom = w * 2, Square.apply(w)  # grad mode` -> `y, custom = (w * 2).detach(), Square.apply(w)  # grad mode`
"""

# --8<-- [start:without]
import torch


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y, custom = w * 2, Square.apply(w)  # grad mode
for t in (y, custom):
    print(t.requires_grad, type(t.grad_fn).__name__, t.is_leaf)
    #> True MulBackward0 False
    #> True SquareBackward False
    assert t.requires_grad and t.grad_fn is not None and not t.is_leaf
# --8<-- [end:without]

# --8<-- [start:with]
import torch


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
with torch.no_grad():  # the operations run here
    y, custom = w * 2, Square.apply(w)
for t in (y, custom):
    print(t.requires_grad, t.grad_fn, t.is_leaf)
    #> False None True
    #> False None True
    assert not t.requires_grad and t.grad_fn is None and t.is_leaf
assert w.requires_grad  # the input itself is untouched
# --8<-- [end:with]
