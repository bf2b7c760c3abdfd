"""What no_grad leaves alone: existing flags, module state, and explicit requires_grad.

Claims:
    no-grad.existing-state-unchanged: Entering `no_grad` changes neither the
        `requires_grad` flag of existing tensors and parameters nor a module's `training`
        flag.
    no-grad.factory-requires-grad-kept: Inside `no_grad`, a factory call with
        `requires_grad=True`, a new `nn.Parameter` and the parameters of a newly built
        module all have `requires_grad=True`, and they train normally once the block ends.

Counter-cases:
    no-grad.existing-state-unchanged: `out = model(x)  # the forward pass` -> `out = model.eval()(x)  # the forward pass`
    no-grad.existing-state-unchanged: `out = model(x)  # the forward pass` -> `out = model.requires_grad_(False)(x)  # the forward pass`
    no-grad.factory-requires-grad-kept: `bias = torch.zeros(2, requires_grad=True)` -> `bias = torch.zeros(2) * 1`
    no-grad.factory-requires-grad-kept: `head = torch.nn.Linear(2, 2)  # a new module` -> `head = torch.nn.Linear(2, 2).requires_grad_(False)  # a new module`
"""

# --8<-- [start:existing]
import torch

# claim: no-grad.existing-state-unchanged
torch.manual_seed(0)
model = torch.nn.Linear(3, 2)  # training mode, parameters require grad
x = torch.ones(3, requires_grad=True)
with torch.no_grad():  # enter no_grad
    out = model(x)  # the forward pass
    print(model.training, [p.requires_grad for p in model.parameters()], x.requires_grad)
    #> True [True, True] True
    assert model.training  # no_grad is not eval()
    assert all(p.requires_grad for p in model.parameters())
    assert x.requires_grad
    assert out.grad_fn is None  # only what is computed here is affected
# --8<-- [end:existing]

# --8<-- [start:factory]
import torch

# claim: no-grad.factory-requires-grad-kept
torch.manual_seed(0)
model = torch.nn.Linear(3, 2)
x = torch.ones(3)
with torch.no_grad():
    bias = torch.zeros(2, requires_grad=True)
    scale = torch.nn.Parameter(torch.ones(2))
    head = torch.nn.Linear(2, 2)  # a new module
    print(bias.requires_grad, scale.requires_grad, [p.requires_grad for p in head.parameters()])
    #> True True [True, True]
    assert bias.requires_grad and bias.is_leaf
    assert scale.requires_grad
    assert all(p.requires_grad for p in head.parameters())
    assert (scale * 2).requires_grad is False  # an op on them is still not recorded

loss = head(model(x) * scale + bias).sum()  # after the block: normal training
loss.backward()
assert bias.grad is not None and scale.grad is not None
assert all(p.grad is not None for p in head.parameters())
# --8<-- [end:factory]
