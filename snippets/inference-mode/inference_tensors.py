"""Inference mode records no graph and marks what it creates.

Claims:
    inference-mode.creates-inference-tensors: Inside `torch.inference_mode()`
        grad mode is off and nothing is recorded, and every newly allocated
        (non-view) tensor is an inference tensor (`is_inference()` is True),
        while a view of a normal tensor taken there stays normal; the same code
        under `torch.no_grad()` creates normal tensors.
    inference-mode.does-not-set-eval: `torch.inference_mode()` leaves every
        module's `training` flag alone, so Dropout still drops inside it unless
        `model.eval()` is called.
"""

# claim: inference-mode.creates-inference-tensors
# --8<-- [start:main]
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 2)
x = torch.randn(3, 4)

with torch.inference_mode():
    assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
    out_inf = model(x)
    view = x[:2]  # a view of a normal tensor, taken in inference mode
with torch.no_grad():
    out_ng = model(x)

assert out_inf.grad_fn is None and not out_inf.requires_grad
assert out_inf.is_inference()  # marked
assert not out_ng.is_inference()  # a normal tensor
assert not model.weight.is_inference()  # tensors created earlier stay normal
assert not view.is_inference()  # views of normal tensors stay normal
assert torch.equal(out_inf, out_ng)  # same values
# --8<-- [end:main]

# claim: inference-mode.does-not-set-eval
# --8<-- [start:eval]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))
x = torch.randn(8, 4)
with torch.inference_mode():
    assert model.training  # untouched
    assert not torch.equal(model(x), model(x))  # dropout still active
    model.eval()
    assert torch.equal(model(x), model(x))
# --8<-- [end:eval]
