"""What inference mode skips: version counters and view tracking.

Claims:
    inference-mode.no-version-counter: An inference tensor has no version
        counter: reading `_version` raises a RuntimeError, while a tensor made
        under `torch.no_grad()` has one that in-place operations bump, inside
        inference mode too.
    inference-mode.no-view-tracking: A view of an inference tensor taken in
        inference mode is not tracked as a view (`_is_view()` is False and
        `_base` is None), while under `torch.no_grad()` the view records its
        base.

Counter-cases:
    inference-mode.no-version-counter: `with torch.inference_mode():  # a is made here` -> `with torch.no_grad():  # a is made here`
    inference-mode.no-view-tracking: `with torch.inference_mode():  # a and va are made here` -> `with torch.no_grad():  # a and va are made here`
"""

# claim: inference-mode.no-version-counter
# --8<-- [start:version]
import torch

with torch.inference_mode():  # a is made here
    a = torch.zeros(3)
    a.add_(1)  # allowed inside inference mode, no version bump
try:
    version = a._version
except RuntimeError as error:
    print(error)
    #> Inference tensors do not track version counter.
    assert str(error) == "Inference tensors do not track version counter."

with torch.no_grad():  # equivalent: b is a normal tensor in any grad mode
    b = torch.zeros(3)
    b.add_(1)
assert b._version == 1  # normal tensors count in-place updates ...
with torch.inference_mode():
    assert torch.is_inference_mode_enabled()
    b.add_(1)
assert b._version == 2  # ... even in inference mode
# --8<-- [end:version]

# claim: inference-mode.no-view-tracking
# --8<-- [start:view]
import torch

with torch.inference_mode():  # a and va are made here
    a = torch.zeros(4)
    va = a[:2]
with torch.no_grad():  # equivalent: views of normal tensors are tracked in any grad mode
    b = torch.zeros(4)
    vb = b[:2]

print(va._is_view(), vb._is_view())
#> False True
assert not va._is_view() and va._base is None  # no view bookkeeping
assert vb._is_view() and vb._base is b
assert va.data_ptr() == a.data_ptr()  # still the same memory
# --8<-- [end:view]
