"""backward() on a result made inside no_grad fails; backward() inside no_grad works.

Claims:
    no-grad.backward-on-result-error: Calling `backward()` on a result computed inside
        `no_grad` raises `RuntimeError: element 0 of tensors does not require grad and does
        not have a grad_fn`, so a training loss computed under `no_grad` cannot train.
    no-grad.backward-inside-block-works: Calling `backward()` inside a `no_grad` block on a
        graph recorded outside it computes and accumulates the gradients as usual.

Counter-cases:
    no-grad.backward-on-result-error: `with torch.no_grad():  # the loss is computed here` -> `with torch.enable_grad():  # the loss is computed here`
    no-grad.backward-inside-block-works: `loss = (w * w).sum()  # recorded in grad mode` -> `loss = (w * w).sum().detach().requires_grad_()  # recorded in grad mode`
"""

# --8<-- [start:error]
import torch

# claim: no-grad.backward-on-result-error
w = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():  # the loss is computed here
    loss = (w * w).sum()

try:
    loss.backward()
except RuntimeError as error:
    print(error)
    #> element 0 of tensors does not require grad and does not have a grad_fn
    assert str(error) == "element 0 of tensors does not require grad and does not have a grad_fn"
assert w.grad is None
assert (w * w).sum().grad_fn is not None  # the same loss outside no_grad is recorded
# --8<-- [end:error]

# --8<-- [start:inside]
import torch

# claim: no-grad.backward-inside-block-works
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w * w).sum()  # recorded in grad mode
with torch.no_grad():
    loss.backward()  # the graph already exists; no_grad does not stop the engine
    assert not torch.is_grad_enabled()  # and this ran inside no_grad
print(w.grad)
#> tensor([2., 4.])
assert w.grad is not None and torch.equal(w.grad, torch.tensor([2.0, 4.0]))

loss = (w * w).sum()  # a second recorded pass
with torch.no_grad():
    loss.backward()
    assert not torch.is_grad_enabled()
print(w.grad)
#> tensor([4., 8.])
assert torch.equal(w.grad, torch.tensor([4.0, 8.0]))  # added to what was there
# --8<-- [end:inside]
