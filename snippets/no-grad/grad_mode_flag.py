"""no_grad sets the grad-mode flag and puts back the previous value on exit.

Claims:
    no-grad.sets-grad-mode: Inside `torch.no_grad()`, `torch.is_grad_enabled()` is `False`, and
        on exit the flag gets back the value it had on entry rather than `True`: a nested
        block leaves it `False` for the rest of the outer block, and the flag is restored
        even when the block raises.
"""

# --8<-- [start:flag]
import torch

assert torch.is_grad_enabled()  # the default: grad mode
with torch.no_grad():
    assert not torch.is_grad_enabled()
assert torch.is_grad_enabled()
# --8<-- [end:flag]

# --8<-- [start:restore]
with torch.no_grad():
    with torch.no_grad():
        pass
    assert not torch.is_grad_enabled()  # the inner exit restored False, not True

try:
    with torch.no_grad():
        raise ValueError("evaluation failed")
except ValueError as error:
    assert str(error) == "evaluation failed"
assert torch.is_grad_enabled()  # restored on the way out of the exception
# --8<-- [end:restore]
