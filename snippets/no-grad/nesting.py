"""enable_grad and set_grad_enabled inside and around no_grad.

Claims:
    no-grad.enable-grad-inside: Inside `no_grad`, a `torch.enable_grad()` block, or a
        function decorated with `@torch.enable_grad()`, records a graph that `backward()`
        can use, and grad mode is `False` again once that block or call ends.
    no-grad.set-grad-enabled-forms: `with torch.set_grad_enabled(False):` restores the
        previous mode on exit, whereas the plain call `torch.set_grad_enabled(False)`
        stays in force after the line until another call changes it, except that a plain
        call inside a `no_grad` block is undone when that block exits.

Counter-cases:
    no-grad.enable-grad-inside: `with torch.enable_grad():  # records again` -> `with torch.no_grad():  # records again`
    no-grad.enable-grad-inside: `@torch.enable_grad()  # the decorated form` -> `@torch.no_grad()  # the decorated form`
    no-grad.set-grad-enabled-forms: `with torch.set_grad_enabled(False):  # context manager: scoped` -> `for _ in [torch.set_grad_enabled(False)]:  # context manager: scoped`
    no-grad.set-grad-enabled-forms: `torch.set_grad_enabled(False)  # plain call: a lasting switch for this thread` -> `torch.no_grad()  # plain call: a lasting switch for this thread`
    no-grad.set-grad-enabled-forms: `with torch.no_grad():  # a block that restores on exit` -> `for _ in [None]:  # a block that restores on exit`
"""

# --8<-- [start:enable]
import torch

# claim: no-grad.enable-grad-inside
w = torch.tensor([3.0], requires_grad=True)


@torch.enable_grad()  # the decorated form
def double(x):
    return x * 2


with torch.no_grad():
    with torch.enable_grad():  # records again
        y = w * w
    assert not torch.is_grad_enabled()
    z = double(w)
    assert not torch.is_grad_enabled()
    assert (w * 1).grad_fn is None  # still no_grad out here

print(type(y.grad_fn).__name__, type(z.grad_fn).__name__)
#> MulBackward0 MulBackward0
assert y.grad_fn is not None and z.grad_fn is not None
y.backward()
assert torch.equal(w.grad, torch.tensor([6.0]))  # d(w * w)/dw at w = 3
z.backward()
print(w.grad)
#> tensor([8.])
assert torch.equal(w.grad, torch.tensor([8.0]))  # + d(2 * w)/dw, from the decorated call
# --8<-- [end:enable]

# --8<-- [start:set-grad-enabled]
import torch

# claim: no-grad.set-grad-enabled-forms
w = torch.tensor([3.0], requires_grad=True)
with torch.set_grad_enabled(False):  # context manager: scoped
    assert not torch.is_grad_enabled()
assert torch.is_grad_enabled()

torch.set_grad_enabled(False)  # plain call: a lasting switch for this thread
print(torch.is_grad_enabled(), (w * 2).grad_fn)
#> False None
assert not torch.is_grad_enabled()
assert (w * 2).grad_fn is None  # still off lines later
torch.set_grad_enabled(True)  # only another call turns it back on

with torch.no_grad():  # a block that restores on exit
    torch.set_grad_enabled(True)  # takes effect for the rest of the block...
    assert (w * 2).grad_fn is not None
    torch.set_grad_enabled(False)  # a plain call made inside the block...
    assert not torch.is_grad_enabled()
print(torch.is_grad_enabled())
#> True
assert torch.is_grad_enabled()  # ...is undone: the exit restores the entry value

torch.set_grad_enabled(False)  # the same with grad mode off on entry
with torch.no_grad():
    torch.set_grad_enabled(True)
    assert torch.is_grad_enabled()  # in force inside the block...
assert not torch.is_grad_enabled()  # ...but it did not outlive the block
torch.set_grad_enabled(True)
assert torch.is_grad_enabled()
# --8<-- [end:set-grad-enabled]
