"""The float() warning is a C++ warn-once: Python's warning filters cannot repeat it.

Claims:
    detach.float-warning-once: By default the `float()` warning is emitted once
        per process: after it, `float()` or `complex()` on another tensor that
        requires grad emits none, even with `warnings.simplefilter("always")`;
        only `torch.set_warn_always(True)` makes every such conversion warn again.

Counter-cases:
    detach.float-warning-once: `assert float(a) == 2.0  # the first conversion` -> `assert float(a.detach()) == 2.0  # the first conversion`
    detach.float-warning-once: `torch.set_warn_always(True)  # torch's own switch` -> `torch.set_warn_always(False)  # torch's own switch`

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

torch.set_warn_always(True)  # torch's own switch
with warnings.catch_warnings(record=True) as again:
    warnings.simplefilter("always")
    assert float(b) == 3.0 and complex(b) == 3  # both warn now
torch.set_warn_always(False)
print(len(again))
#> 2
assert len(again) == 2
# --8<-- [end:once]
