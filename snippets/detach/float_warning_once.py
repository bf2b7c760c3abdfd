"""The float() warning is a C++ warn-once: Python's warning filters cannot repeat it.

Claims:
    detach.float-warning-once: The `float()` warning is emitted once per
        process: after it, `float()` or `complex()` on another tensor that
        requires grad emits none, even with `warnings.simplefilter("always")`.

Counter-cases:
    detach.float-warning-once: `assert float(a) == 2.0  # the first conversion` -> `assert float(a.detach()) == 2.0  # the first conversion`

Torch: >=2.13
"""

# --8<-- [start:once]
import warnings

import torch

a = torch.ones(1, requires_grad=True) * 2
b = torch.ones(1, requires_grad=True) * 3

with warnings.catch_warnings(record=True) as first:
    warnings.simplefilter("always")
    assert float(a) == 2.0  # the first conversion
with warnings.catch_warnings(record=True) as later:
    warnings.simplefilter("always")  # Python would show a repeated warning ...
    assert float(b) == 3.0 and complex(b) == 3 and float(a) == 2.0
print(len(first), len(later))
#> 1 0
assert later == []  # ... but torch does not emit it again
assert len(first) == 1
# --8<-- [end:once]
