"""no_grad sets the grad-mode flag and puts back the previous value on exit.

Claims:
    no-grad.sets-grad-mode: Inside `torch.no_grad()`, `torch.is_grad_enabled()` is `False`, and
        on exit the flag gets back the value it had on entry rather than `True`: a nested
        block leaves it `False` for the rest of the outer block, and the flag is restored
        even when the block raises.

Counter-cases:
    no-grad.sets-grad-mode: `with torch.no_grad():  # enter` -> `with torch.enable_grad():  # enter`
    no-grad.sets-grad-mode: `with torch.no_grad():  # equivalent: the flag is False without it too; the assert checks its exit (the inner block)` -> `for _ in [torch.set_grad_enabled(True)]:  # the inner block`
    no-grad.sets-grad-mode: `with torch.no_grad():  # the block that raises` -> `for _ in [torch.set_grad_enabled(False)]:  # the block that raises`
"""

# --8<-- [start:flag]
import torch

print(torch.is_grad_enabled())
#> True
assert torch.is_grad_enabled()  # the default: grad mode
with torch.no_grad():  # enter
    print(torch.is_grad_enabled())
    #> False
    assert not torch.is_grad_enabled()
assert torch.is_grad_enabled()  # back on exit
# --8<-- [end:flag]

# --8<-- [start:restore]
import torch

with torch.no_grad():
    with torch.no_grad():  # equivalent: the flag is False without it too; the assert checks its exit (the inner block)
        pass
    print(torch.is_grad_enabled())
    #> False
    assert not torch.is_grad_enabled()  # the inner exit restored False, not True

try:
    with torch.no_grad():  # the block that raises
        assert not torch.is_grad_enabled()
        raise ValueError("evaluation failed")
except ValueError as error:
    assert str(error) == "evaluation failed"
print(torch.is_grad_enabled())
#> True
assert torch.is_grad_enabled()  # restored on the way out of the exception
# --8<-- [end:restore]
