"""Why .numpy() refuses a tensor that requires grad.

Claims:
    detach.numpy-refuses-grad: `.numpy()` on a tensor that requires grad raises
        a RuntimeError that suggests `detach()`; `.detach().cpu().numpy()` works,
        and so does `.numpy()` on an output computed under `torch.no_grad()`.
    detach.numpy-shares-memory: On CPU, `.cpu()` returns the tensor itself, so
        the array from `.detach().cpu().numpy()` shares memory with the
        original tensor and writing to the array changes the tensor;
        `.numpy(force=True)` shares it too, and `.copy()` gives an independent
        array.

Counter-cases:
    detach.numpy-refuses-grad: `out = model(x)  # recorded: requires grad` -> `out = model(x).detach()  # recorded: requires grad`
    detach.numpy-shares-memory: `safe = t.detach().cpu().numpy().copy()  # an independent copy` -> `safe = t.detach().cpu().numpy()  # an independent copy`
    detach.numpy-shares-memory: `arr = d.cpu().numpy()` -> `arr = d.cpu().numpy().copy()`
"""

# claim: detach.numpy-refuses-grad
# --8<-- [start:refuses]
# Requires: pip install numpy
import torch

torch.manual_seed(0)
model = torch.nn.Linear(3, 2)
x = torch.randn(4, 3)
out = model(x)  # recorded: requires grad
try:
    out.numpy()
except RuntimeError as error:
    print(error)
    #> Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.
    assert str(error) == "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."


arr = out.detach().cpu().numpy()  # the usual idiom
assert arr.shape == (4, 2)
with torch.no_grad():
    assert model(x).numpy().shape == (4, 2)  # nothing requires grad here
# --8<-- [end:refuses]

# claim: detach.numpy-shares-memory
# --8<-- [start:shares]
# Requires: pip install numpy
import torch

t = torch.zeros(3, requires_grad=True)  # equivalent: sharing memory does not depend on it
d = t.detach()
assert d.cpu() is d  # .cpu() returns the same tensor object on CPU
arr = d.cpu().numpy()
arr[0] = 7.0
assert t[0].item() == 7.0  # the tensor changed too
forced = t.numpy(force=True)
forced[1] = 8.0
assert t[1].item() == 8.0
safe = t.detach().cpu().numpy().copy()  # an independent copy
safe[2] = 9.0
assert t[2].item() == 0.0
print(t.detach())
#> tensor([7., 8., 0.])
# --8<-- [end:shares]
