"""A view taken inside no_grad claims requires_grad=True but is cut off from its base.

Claims:
    no-grad.views-look-attached: A view of a tensor that requires grad, taken inside
        `no_grad` (`w[:2]`), reports `requires_grad=True` yet has no `grad_fn`; a loss
        built from it after the block records a graph, but `backward()` leaves `w.grad`
        at `None`, and modifying the view in place after the block raises a `RuntimeError`
        starting "A view was created in no_grad mode and is being modified inplace with
        grad mode enabled".
"""

# --8<-- [start:main]
import torch

w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
with torch.no_grad():
    head = w[:2]  # a view: shares w's storage

assert head.requires_grad  # inherited from the base it views...
assert head.grad_fn is None  # ...but nothing links it back to w

loss = (head * 2).sum()  # grad mode again: this records a graph
assert loss.grad_fn is not None
loss.backward()
assert w.grad is None  # no gradient ever reached w

try:
    head.add_(1)
except RuntimeError as err:
    assert str(err).startswith("A view was created in no_grad mode and is being modified inplace with grad mode enabled")
# --8<-- [end:main]
