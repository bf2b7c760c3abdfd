"""Inference tensors are read-only outside inference mode.

Claims:
    inference-mode.inplace-outside-fails: An in-place update to an inference
        tensor outside inference mode raises a RuntimeError, under
        `torch.no_grad()` too, and so does setting `requires_grad=True` on it.
    inference-mode.inplace-fixes: The update works on a `clone()` made outside
        inference mode, inside another `torch.inference_mode()` block, or on a
        tensor created under `torch.no_grad()` in the first place.

Counter-cases:
    inference-mode.inplace-outside-fails: `with torch.inference_mode():  # the accumulator is made here` -> `with torch.no_grad():  # the accumulator is made here`
    inference-mode.inplace-fixes: `fixed = total.clone()  # 1. clone outside inference mode` -> `fixed = total  # 1. clone outside inference mode`
    inference-mode.inplace-fixes: `with torch.no_grad():  # 3. create it under no_grad in the first place` -> `with torch.inference_mode():  # 3. create it under no_grad in the first place`
"""

# claim: inference-mode.inplace-outside-fails
# --8<-- [start:error]
import torch

with torch.inference_mode():  # the accumulator is made here
    total = torch.zeros(3)  # e.g. a metric accumulator created in evaluation

refused = []
for context in (torch.enable_grad, torch.no_grad):
    with context():
        try:
            total.add_(1)
        except RuntimeError as error:
            refused.append(context.__name__)
            assert str(error) == (
                "Inplace update to inference tensor outside InferenceMode is not "
                "allowed.You can make a clone to get a normal tensor before doing "
                "inplace update.See https://github.com/pytorch/rfcs/pull/17 for "
                "more details."
            )
print(refused)
#> ['enable_grad', 'no_grad']
assert refused == ["enable_grad", "no_grad"]  # refused in both modes
try:
    total.requires_grad_()
except RuntimeError as error:
    print(error)
    #> Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.
    assert str(error) == "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
# --8<-- [end:error]

# claim: inference-mode.inplace-fixes
# --8<-- [start:fixes]
import torch

with torch.inference_mode():
    total = torch.zeros(3)
assert total.is_inference()  # an inference tensor

fixed = total.clone()  # 1. clone outside inference mode
assert not fixed.is_inference()  # a normal tensor
fixed.add_(1)
assert torch.equal(fixed, torch.ones(3))

with torch.inference_mode():  # 2. update it inside inference mode
    total.add_(1)
assert torch.equal(total, torch.ones(3))

with torch.no_grad():  # 3. create it under no_grad in the first place
    assert not torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    acc = torch.zeros(3)
assert not acc.is_inference()
acc.add_(1)
print(fixed, total, acc)
#> tensor([1., 1., 1.]) tensor([1., 1., 1.]) tensor([1., 1., 1.])
assert torch.equal(acc, torch.ones(3))
# --8<-- [end:fixes]
