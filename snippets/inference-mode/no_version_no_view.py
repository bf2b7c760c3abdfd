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
"""

# claim: inference-mode.no-version-counter
# --8<-- [start:version]
import torch

with torch.inference_mode():
    a = torch.zeros(3)
    a.add_(1)  # allowed inside inference mode, no version bump
try:
    version = a._version
    raise AssertionError("inference tensor has a version counter")
except RuntimeError as e:
    assert str(e) == "Inference tensors do not track version counter."

with torch.no_grad():
    b = torch.zeros(3)
    b.add_(1)
assert b._version == 1  # normal tensors count in-place updates ...
with torch.inference_mode():
    b.add_(1)
assert b._version == 2  # ... even in inference mode
# --8<-- [end:version]

# claim: inference-mode.no-view-tracking
# --8<-- [start:view]
import torch

with torch.inference_mode():
    a = torch.zeros(4)
    va = a[:2]
with torch.no_grad():
    b = torch.zeros(4)
    vb = b[:2]

assert not va._is_view() and va._base is None  # no view bookkeeping
assert vb._is_view() and vb._base is b
assert va.data_ptr() == a.data_ptr()  # still the same memory
# --8<-- [end:view]
