"""backward() on a result made inside no_grad fails; backward() inside no_grad works.

Claims:
    no-grad.backward-on-result-error: Calling `backward()` on a result computed inside
        `no_grad` raises `RuntimeError: element 0 of tensors does not require grad and does
        not have a grad_fn`, so a training loss computed under `no_grad` cannot train.
    no-grad.backward-inside-block-works: Calling `backward()` inside a `no_grad` block on a
        graph recorded outside it computes and accumulates the gradients as usual.
"""

# --8<-- [start:error]
import torch

# claim: no-grad.backward-on-result-error
w = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    loss = (w * w).sum()

try:
    loss.backward()
except RuntimeError as err:
    assert str(err) == "element 0 of tensors does not require grad and does not have a grad_fn"
assert w.grad is None
# --8<-- [end:error]

# --8<-- [start:inside]
# claim: no-grad.backward-inside-block-works
loss = (w * w).sum()  # recorded in grad mode
with torch.no_grad():
    loss.backward()  # the graph already exists; no_grad does not stop the engine
assert torch.equal(w.grad, torch.tensor([2.0, 4.0]))
# --8<-- [end:inside]
