"""no_grad and set_grad_enabled as decorators.

Claims:
    no-grad.decorator-forms: `@torch.no_grad()`, the bare `@torch.no_grad` and
        `@torch.set_grad_enabled(False)` all run the function body with grad disabled, even
        when it is called inside `enable_grad`, and afterwards leave grad mode as the caller
        had it (enabled after a call from grad mode, still disabled after a call from inside
        `no_grad`); all three keep the function's name and docstring, and applying
        `@torch.set_grad_enabled(False)` does not switch grad mode off at definition time.

Counter-cases:
    no-grad.decorator-forms: `@torch.no_grad()  # with parentheses` -> `@torch.enable_grad()  # with parentheses`
    no-grad.decorator-forms: `@torch.no_grad  # bare form: torch >= 2.1` -> `@torch.enable_grad  # bare form: torch >= 2.1`
    no-grad.decorator-forms: `@torch.set_grad_enabled(False)  # as a decorator` -> `@torch.set_grad_enabled(True)  # as a decorator`
    no-grad.decorator-forms: `@torch.set_grad_enabled(False)  # as a decorator` -> `@lambda fn: torch.set_grad_enabled(False)(lambda x: fn(x))`

Torch: >=2.1
"""

# --8<-- [start:forms]
import torch

w = torch.tensor([1.0], requires_grad=True)


@torch.no_grad()  # with parentheses
def with_parens(x):
    """Doubles x."""
    return torch.is_grad_enabled(), x * 2


@torch.no_grad  # bare form: torch >= 2.1
def bare(x):
    """Triples x."""
    return torch.is_grad_enabled(), x * 3


for fn in (with_parens, bare):
    with torch.enable_grad():  # equivalent: grad mode is already on at top level
        enabled_inside, out = fn(w)
        assert torch.is_grad_enabled()  # the caller's mode is back after the call
    print(fn.__name__, repr(fn.__doc__), enabled_inside, out.grad_fn)
    #> with_parens 'Doubles x.' False None
    #> bare 'Triples x.' False None
    assert enabled_inside is False and out.grad_fn is None
    with torch.no_grad():
        fn(w)
        assert not torch.is_grad_enabled()  # the call did not switch grad mode back on
assert (with_parens.__name__, with_parens.__doc__) == ("with_parens", "Doubles x.")
assert (w * 2).grad_fn is not None  # outside the functions the same operation records
assert (bare.__name__, bare.__doc__) == ("bare", "Triples x.")
# --8<-- [end:forms]


# --8<-- [start:set-grad-enabled]
import torch

w = torch.tensor([1.0], requires_grad=True)


@torch.set_grad_enabled(False)  # as a decorator
def frozen(x):
    """Doubles x without recording."""
    return torch.is_grad_enabled(), x * 2


assert torch.is_grad_enabled()  # decorating did not switch grad mode off
with torch.enable_grad():  # equivalent: grad mode is already on at top level
    enabled_inside, out = frozen(w)
    assert torch.is_grad_enabled()  # the caller's mode is back after the call
print(frozen.__name__, repr(frozen.__doc__), enabled_inside, out.grad_fn)
#> frozen 'Doubles x without recording.' False None
assert enabled_inside is False and out.grad_fn is None
assert (frozen.__name__, frozen.__doc__) == ("frozen", "Doubles x without recording.")  # functools.wraps
with torch.no_grad():
    frozen(w)
    assert not torch.is_grad_enabled()
assert (w * 2).grad_fn is not None  # outside the function the same operation records
# --8<-- [end:set-grad-enabled]
