"""float() on a tensor that requires grad warns, but only in grad mode.

Claims:
    detach.float-warns-without-detach: In grad mode, `float(t)` on a tensor that
        requires grad returns the right value and emits a UserWarning that
        suggests `detach()`; under `torch.no_grad()` the same call emits none,
        and neither do `.item()`, `int(t)` and `float(t.detach())`.

Counter-cases:
    detach.float-warns-without-detach: `with torch.no_grad():  # grad mode off` -> `with torch.enable_grad():  # grad mode on`
    detach.float-warns-without-detach: `assert float(loss.detach()) == 6.0  # detached first` -> `assert float(loss) == 6.0  # detached first`
    detach.float-warns-without-detach: `loss = (torch.ones(3, requires_grad=True) * 2).sum()` -> `loss = (torch.ones(3, requires_grad=False) * 2).sum()`

Torch: >=2.13
"""

# --8<-- [start:float]
import warnings

import torch

loss = (torch.ones(3, requires_grad=True) * 2).sum()

# The silent calls come first: the warning is emitted only once per process.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # record every warning
    assert loss.item() == 6.0
    assert int(loss) == 6  # int() does not check
    assert float(loss.detach()) == 6.0  # detached first
    with torch.no_grad():  # grad mode off
        assert float(loss) == 6.0
print(len(caught))
#> 0
assert caught == []  # none of the four warned

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert float(loss) == 6.0  # grad mode: right value ...
assert len(caught) == 1 and caught[0].category is UserWarning  # ... and a warning
message = str(caught[0].message)
print(message.splitlines()[0])
#> Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.
assert message.startswith(
    "Converting a tensor with requires_grad=True to a scalar may lead to "
    "unexpected behavior.\nConsider using tensor.detach() first."
)
# --8<-- [end:float]
