"""Nesting inference_mode, turning it off, and enable_grad inside it.

Claims:
    inference-mode.disable-with-false: Inside an inference-mode block,
        `torch.inference_mode(False)` turns inference mode off for its own block,
        so tensors created there are normal, and the outer state is restored on
        exit.
    inference-mode.false-enables-grad: `torch.inference_mode(False)` also turns
        grad mode on, even when entered inside `torch.no_grad()`, so operations
        there are recorded; the enclosing `no_grad` returns on exit.
    inference-mode.enable-grad-does-not-exit: `torch.enable_grad()` inside
        inference mode turns grad mode on but leaves inference mode on, so
        nothing is recorded and `torch.autograd.grad` fails; the same code
        inside `torch.no_grad()` works.

Counter-cases:
    inference-mode.disable-with-false: `with torch.inference_mode(False):  # switched off here` -> `with torch.inference_mode(True):  # switched off here`
    inference-mode.false-enables-grad: `with torch.inference_mode(False):  # inside no_grad` -> `with torch.no_grad():  # inside no_grad`
    inference-mode.enable-grad-does-not-exit: `with torch.inference_mode():  # the evaluation context` -> `with torch.no_grad():  # the evaluation context`
"""

# claim: inference-mode.disable-with-false
# --8<-- [start:nesting]
import torch

with torch.inference_mode():
    a = torch.ones(2)
    with torch.inference_mode(False):  # switched off here
        assert not torch.is_inference_mode_enabled()
        b = torch.ones(2)
    assert torch.is_inference_mode_enabled()  # restored on exit
    c = torch.ones(2)

assert a.is_inference() and c.is_inference()
print(a.is_inference(), b.is_inference(), c.is_inference())
#> True False True
assert not b.is_inference()  # created with inference mode off
# --8<-- [end:nesting]

# claim: inference-mode.false-enables-grad
# --8<-- [start:false_grad]
import torch

w = torch.ones(2, requires_grad=True)
with torch.no_grad():
    assert (w * 2).grad_fn is None  # no_grad: not recorded
    with torch.inference_mode(False):  # inside no_grad
        assert torch.is_grad_enabled()  # grad mode is back on
        assert (w * 2).grad_fn is not None  # recorded
    assert not torch.is_grad_enabled()
    assert (w * 2).grad_fn is None  # no_grad again
# --8<-- [end:false_grad]

# claim: inference-mode.enable-grad-does-not-exit
# --8<-- [start:enable_grad]
import torch


def input_gradient():
    """Something a validation step may want: d(loss)/d(input)."""
    with torch.enable_grad():
        x = torch.randn(3, requires_grad=True)
        y = (x**2).sum()
        recorded.append(y.grad_fn is not None)
        return torch.autograd.grad(y, x)[0]


recorded = []


with torch.inference_mode():  # the evaluation context
    with torch.enable_grad():
        assert torch.is_grad_enabled() and torch.is_inference_mode_enabled()
    try:
        input_gradient()
    except RuntimeError as error:
        print(error)
        #> element 0 of tensors does not require grad and does not have a grad_fn
        assert str(error) == "element 0 of tensors does not require grad and does not have a grad_fn"
assert recorded == [False]  # nothing was recorded

with torch.no_grad():
    assert not torch.is_grad_enabled()
    assert input_gradient().shape == (3,)  # enable_grad overrides no_grad
assert recorded == [False, True]
# --8<-- [end:enable_grad]
