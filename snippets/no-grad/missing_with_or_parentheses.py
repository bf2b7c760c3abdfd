"""`with torch.no_grad:` without parentheses raises; `torch.no_grad()` without `with` does nothing.

Claims:
    no-grad.with-without-parentheses-raises: `with torch.no_grad:` (the class, not an
        instance) raises before the block's body runs, a `TypeError` saying that a `'type'`
        object does not support the context manager protocol on Python 3.11 and later
        (`AttributeError: __enter__` on Python 3.10), and grad mode stays enabled.
    no-grad.bare-call-does-nothing: A `torch.no_grad()` statement outside a `with` creates
        an object and changes nothing: grad mode stays enabled and the next operation
        records a `grad_fn`, whereas a plain `torch.set_grad_enabled(False)` statement
        does switch grad mode off.

Counter-cases:
    no-grad.with-without-parentheses-raises: `with torch.no_grad:  # the class itself` -> `with torch.no_grad():  # the class itself`
    no-grad.bare-call-does-nothing: `torch.no_grad()  # equivalent: the bare call does nothing, the claim (a statement, not a with block)` -> `torch.set_grad_enabled(False)  # a statement, not a with block`
"""

# --8<-- [start:with-class]
import sys

import torch

# claim: no-grad.with-without-parentheses-raises
w = torch.tensor([1.0, 2.0], requires_grad=True)
body_ran = False
try:
    with torch.no_grad:  # the class itself
        body_ran = True
except (TypeError, AttributeError) as error:  # TypeError from Python 3.11 on, AttributeError on 3.10
    if sys.version_info >= (3, 11):
        expected_type, expected_text = TypeError, "does not support the context manager protocol"
    else:
        expected_type, expected_text = AttributeError, "__enter__"
    assert isinstance(error, expected_type) and expected_text in str(error)
print(body_ran, torch.is_grad_enabled())
#> False True
assert body_ran is False  # the body never ran
assert torch.is_grad_enabled()  # and grad mode was never switched off
assert (w * 2).grad_fn is not None
# --8<-- [end:with-class]

# --8<-- [start:bare-call]
import torch

# claim: no-grad.bare-call-does-nothing
w = torch.tensor([1.0, 2.0], requires_grad=True)
torch.no_grad()  # equivalent: the bare call does nothing, the claim (a statement, not a with block)
y = w * 2
print(torch.is_grad_enabled(), type(y.grad_fn).__name__)
#> True MulBackward0
assert torch.is_grad_enabled()
assert y.grad_fn is not None  # still recorded

torch.set_grad_enabled(False)  # unlike no_grad(), this constructor switches the mode
assert (w * 2).grad_fn is None
torch.set_grad_enabled(True)  # only another call switches it back
assert torch.is_grad_enabled()
# --8<-- [end:bare-call]
