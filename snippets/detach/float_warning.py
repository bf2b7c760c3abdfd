"""float() on a tensor that requires grad warns in recent releases.

Claims:
    detach.float-warns-without-detach: In torch 2.13.0, `float(t)` on a tensor
        that requires grad returns the right value but emits a UserWarning
        suggesting `detach()`; `.item()` and `float(t.detach())` emit none.

Torch: >=2.13
"""

# --8<-- [start:float]
import warnings

import torch

loss = (torch.ones(3, requires_grad=True) * 2).sum()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert float(loss) == 6.0  # right value ...
assert len(caught) == 1 and caught[0].category is UserWarning
assert str(caught[0].message).startswith(
    "Converting a tensor with requires_grad=True to a scalar may lead to "
    "unexpected behavior.\nConsider using tensor.detach() first."
)  # ... with a warning

with warnings.catch_warnings():
    warnings.simplefilter("error")  # any warning would raise here
    assert loss.item() == 6.0 and float(loss.detach()) == 6.0
# --8<-- [end:float]
