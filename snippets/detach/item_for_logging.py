"""Getting numbers out for metrics and logging.

Claims:
    detach.item-returns-python-number: On a floating-point tensor, `.item()`
        returns a plain Python float and `.tolist()` nested lists of Python
        floats, with no link to the graph; both work on tensors that require
        grad, and `.item()` on a tensor with more than one element raises a
        RuntimeError.
    detach.running-sum-keeps-graphs: Adding loss tensors into a running total
        keeps every step's graph alive (the total still has a `grad_fn` and can
        be differentiated after the loop); adding `loss.item()` keeps only a
        float.
"""

# claim: detach.item-returns-python-number
# --8<-- [start:item]
import torch

torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
loss = (w**2).sum()
logits = torch.stack([w, 2 * w])

value = loss.item()
assert type(value) is float and value == (w.detach() ** 2).sum().item()
rows = logits.tolist()
assert len(rows) == 2 and all(type(v) is float for row in rows for v in row)
try:
    logits.item()
    raise AssertionError("item() accepted 6 elements")
except RuntimeError as e:
    assert str(e) == "a Tensor with 6 elements cannot be converted to Scalar"
# --8<-- [end:item]

# claim: detach.running-sum-keeps-graphs
# --8<-- [start:running_sum]
import torch

torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
batches = [torch.randn(3) for _ in range(4)]

total = 0.0
for b in batches:
    total = total + (w * b).sum()  # a tensor: keeps this step's graph
assert total.grad_fn is not None
(grad,) = torch.autograd.grad(total, w)  # all four graphs are still there
assert torch.allclose(grad, sum(batches))

total = 0.0
for b in batches:
    total += (w * b).sum().item()  # a float: the graph can be freed
assert type(total) is float
# --8<-- [end:running_sum]
