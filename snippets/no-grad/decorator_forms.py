"""no_grad and set_grad_enabled as decorators.

Claims:
    no-grad.decorator-forms: `@torch.no_grad()`, the bare `@torch.no_grad` and
        `@torch.set_grad_enabled(False)` all run the function body with grad disabled, even
        when it is called inside `enable_grad`, and afterwards leave grad mode as the caller
        had it (enabled after a call from grad mode, still disabled after a call from inside
        `no_grad`); the first two keep the function's name and docstring, and applying
        `@torch.set_grad_enabled(False)` does not switch grad mode off at definition time.

Torch: >=2.1
"""

# --8<-- [start:forms]
import torch

w = torch.tensor([1.0], requires_grad=True)


@torch.no_grad()
def with_parens(x):
    """Doubles x."""
    return torch.is_grad_enabled(), x * 2


@torch.no_grad  # bare form: torch >= 2.1
def bare(x):
    """Triples x."""
    return torch.is_grad_enabled(), x * 3


for fn, name, doc in ((with_parens, "with_parens", "Doubles x."), (bare, "bare", "Triples x.")):
    with torch.enable_grad():
        enabled_inside, out = fn(w)
        assert torch.is_grad_enabled()  # the caller's mode is back after the call
    assert enabled_inside is False and out.grad_fn is None
    assert fn.__name__ == name and fn.__doc__ == doc
    with torch.no_grad():
        fn(w)
        assert not torch.is_grad_enabled()  # the call did not switch grad mode back on
# --8<-- [end:forms]


# --8<-- [start:set-grad-enabled]
@torch.set_grad_enabled(False)
def frozen(x):
    return torch.is_grad_enabled(), x * 2


assert torch.is_grad_enabled()  # decorating did not switch grad mode off
with torch.enable_grad():
    enabled_inside, out = frozen(w)
    assert torch.is_grad_enabled()  # the caller's mode is back after the call
assert enabled_inside is False and out.grad_fn is None
with torch.no_grad():
    frozen(w)
    assert not torch.is_grad_enabled()
# --8<-- [end:set-grad-enabled]
