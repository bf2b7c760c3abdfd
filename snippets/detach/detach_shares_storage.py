"""detach() returns a new tensor on the same storage, cut from the graph.

Claims:
    detach.shares-storage: `x.detach()` returns a new tensor object that points
        at the same memory as `x`, so an in-place write through either one is
        visible in the other.
    detach.cut-from-graph: The result of `detach()` does not require grad, has
        no `grad_fn`, and no gradient flows back through it: in
        `x * 2 + x.detach() * 3` the gradient with respect to `x` is 2, not 5.

Counter-cases:
    detach.shares-storage: `d = x.detach()  # the tensor under test` -> `d = x.detach().clone()  # the tensor under test`
    detach.cut-from-graph: `(x * 2 + x.detach() * 3).sum().backward()` -> `(x * 2 + x * 3).sum().backward()`
"""

# claim: detach.shares-storage
# --8<-- [start:storage]
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
d = x.detach()  # the tensor under test

assert d is not x  # a new tensor object ...
assert x.requires_grad and not d.requires_grad  # ... with flags of its own ...
assert d.data_ptr() == x.data_ptr()  # ... on the same memory
assert d.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
d[0] = 100.0  # write through the detached tensor
assert x[0].item() == 100.0  # the original sees it
with torch.no_grad():  # x is a leaf that requires grad: write to it under no_grad
    x[1] = 200.0
assert d[1].item() == 200.0  # and the other way round
print(x)
#> tensor([100., 200.,   3.], requires_grad=True)
# --8<-- [end:storage]

# claim: detach.cut-from-graph
# --8<-- [start:graph]
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
d = x.detach()
assert not d.requires_grad and d.grad_fn is None and d.is_leaf

(x * 2 + x.detach() * 3).sum().backward()
print(x.grad)
#> tensor([2., 2., 2.])
assert torch.equal(x.grad, torch.full((3,), 2.0))  # only the attached path counts
# --8<-- [end:graph]
