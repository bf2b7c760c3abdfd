"""An in-place change made under no_grad still breaks the backward of a graph that saved the tensor.

Claims:
    no-grad.inplace-under-no-grad-breaks-backward: An in-place change made under `no_grad`
        to a tensor that a graph recorded earlier saved for backward still increments its
        version counter (`_version`), and that graph's later `backward()` raises a
        `RuntimeError` that begins "one of the variables needed for gradient computation
        has been modified by an inplace operation"; the same `backward()` called before
        the change fills `.grad`.
    no-grad.step-between-forward-and-backward: `optimizer.step()` called between a
        forward pass and the `backward()` of a loss from that pass makes that `backward()`
        raise the same error; with the step after the last `backward()`, every
        `backward()` works.

Counter-cases:
    no-grad.inplace-under-no-grad-breaks-backward: `model[2].weight.mul_(0.5)  # in place, under no_grad` -> `model[2].weight.mul(0.5)  # in place, under no_grad`
    no-grad.inplace-under-no-grad-breaks-backward: `model[2].weight.mul_(0.5)  # in place, under no_grad` -> `model[0].bias.mul_(0.5)  # in place, under no_grad`
    no-grad.step-between-forward-and-backward: `optimizer.step()  # between the forward and loss_b's backward` -> `pass  # between the forward and loss_b's backward`
    no-grad.step-between-forward-and-backward: `optimizer.step()  # between the forward and loss_b's backward` -> `optimizer.zero_grad()  # between the forward and loss_b's backward`
"""

# --8<-- [start:inplace]
import torch

# claim: no-grad.inplace-under-no-grad-breaks-backward
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
x = torch.randn(5, 3)

loss = model(x).pow(2).mean()  # the graph saves the last layer's weight
version = model[2].weight._version
with torch.no_grad():
    model[2].weight.mul_(0.5)  # in place, under no_grad
print(version, model[2].weight._version)
#> 1 2
assert model[2].weight._version == version + 1  # no_grad did not hide the change

try:
    loss.backward()
except RuntimeError as error:
    print(str(error).split(":")[0])
    #> one of the variables needed for gradient computation has been modified by an inplace operation
    assert str(error).startswith("one of the variables needed for gradient computation has been modified by an inplace operation")
assert model[2].weight.grad is None
# --8<-- [end:inplace]

# --8<-- [start:inplace-ok]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
x = torch.randn(5, 3)

loss = model(x).pow(2).mean()
loss.backward()  # before any in-place change: works
with torch.no_grad():
    model[2].weight.mul_(0.5)  # now the change is harmless
print(model[2].weight.grad.shape)
#> torch.Size([1, 4])
assert all(p.grad is not None for p in model.parameters())
# --8<-- [end:inplace-ok]

# --8<-- [start:step]
import torch

# claim: no-grad.step-between-forward-and-backward
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(5, 3)

out = model(x)  # one forward pass, two losses
loss_a, loss_b = out.pow(2).mean(), out.abs().mean()
loss_a.backward(retain_graph=True)
optimizer.step()  # between the forward and loss_b's backward
try:
    loss_b.backward()
except RuntimeError as error:
    assert "modified by an inplace operation" in str(error)
# --8<-- [end:step]

# --8<-- [start:step-ok]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(5, 3)

out = model(x)
loss_a, loss_b = out.pow(2).mean(), out.abs().mean()
loss_a.backward(retain_graph=True)  # the usual order
loss_b.backward()  # every backward of this forward first...
optimizer.step()  # ...then the step
assert all(p.grad is not None for p in model.parameters())
# --8<-- [end:step-ok]
