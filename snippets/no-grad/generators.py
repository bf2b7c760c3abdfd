"""Generators: the decorator follows each step; a with block around yield leaks out.

Claims:
    no-grad.generator-decorator-per-step: A generator function decorated with `no_grad`
        runs its body with grad disabled each time it resumes, while the caller's loop
        body between two items runs in grad mode and records a graph.
    no-grad.with-around-yield-leaks: A `with torch.no_grad():` block that contains a
        `yield` inside an undecorated generator leaves grad mode disabled in the caller
        while the generator is suspended at that `yield`.

Counter-cases:
    no-grad.generator-decorator-per-step: `@torch.no_grad()  # decorates the generator function` -> `@torch.enable_grad()  # decorates the generator function`
    no-grad.with-around-yield-leaks: `with torch.no_grad():  # a with block around the yield` -> `with torch.enable_grad():  # a with block around the yield`
"""

# --8<-- [start:decorated]
import torch

# claim: no-grad.generator-decorator-per-step
w = torch.tensor([1.0], requires_grad=True)


@torch.no_grad()  # decorates the generator function
def predictions(batches):
    for x in batches:
        yield torch.is_grad_enabled(), x * w


for inside, pred in predictions([torch.ones(1), torch.zeros(1)]):
    print(inside, pred.grad_fn, torch.is_grad_enabled())
    #> False None True
    #> False None True
    assert inside is False and pred.grad_fn is None  # the body ran in no_grad
    assert torch.is_grad_enabled()  # the caller did not
    assert (pred * w).grad_fn is not None
# --8<-- [end:decorated]


# --8<-- [start:leak]
import torch

# claim: no-grad.with-around-yield-leaks
w = torch.tensor([1.0], requires_grad=True)


def leaky(batches):
    with torch.no_grad():  # a with block around the yield
        for x in batches:
            yield x * w


gen = leaky([torch.ones(1), torch.zeros(1)])
pred = next(gen)
print(torch.is_grad_enabled())
#> False
assert not torch.is_grad_enabled()  # the caller now runs in no_grad
assert (pred * w).grad_fn is None
gen.close()  # finishing the generator runs the with block's exit
assert torch.is_grad_enabled()
assert (pred * w).grad_fn is not None  # recorded again
# --8<-- [end:leak]
