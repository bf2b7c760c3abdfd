"""Where the no_grad decorator does not reach: coroutine bodies and class methods.

Claims:
    no-grad.async-body-not-covered: On an `async def` function the `no_grad` decorator only
        covers the call that creates the coroutine; the body runs when the coroutine is
        awaited, in the caller's grad mode, and records a graph.
    no-grad.class-decorator-constructor-only: Decorating a class with `no_grad` emits a
        `FutureWarning` ("Decorating classes is deprecated ...") and replaces the class
        with a plain function that runs only construction under `no_grad`: its methods
        run in grad mode.

Counter-cases:
    no-grad.async-body-not-covered: `coroutine.send(None)  # what an event loop does when the coroutine is awaited` -> `torch.no_grad()(coroutine.send)(None)  # what an event loop does when the coroutine is awaited`
    no-grad.class-decorator-constructor-only: `@torch.no_grad()  # decorates the class` -> `@lambda cls: cls  # decorates the class`
"""

# --8<-- [start:async]
import torch

# claim: no-grad.async-body-not-covered
w = torch.tensor([1.0], requires_grad=True)


@torch.no_grad()  # equivalent: it does not reach the body: that is the claim
async def predict(x):
    return torch.is_grad_enabled(), x * w


coroutine = predict(torch.ones(1))  # the wrapper enters and leaves no_grad here
try:
    coroutine.send(None)  # what an event loop does when the coroutine is awaited
except StopIteration as done:  # the coroutine returned
    enabled_inside, pred = done.value
    assert enabled_inside is True
print(enabled_inside, type(pred.grad_fn).__name__)
#> True MulBackward0
assert pred.grad_fn is not None
# --8<-- [end:async]

# --8<-- [start:class]
import warnings

import torch

# claim: no-grad.class-decorator-constructor-only
w = torch.tensor([1.0], requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")

    @torch.no_grad()  # decorates the class
    class Scorer:
        def __init__(self):
            self.built_in_no_grad = not torch.is_grad_enabled()

        def score(self, x):
            return x * w


assert len(caught) == 1 and caught[0].category is FutureWarning
print(caught[0].category.__name__, str(caught[0].message).split(".")[0])
#> FutureWarning Decorating classes is deprecated and will be disabled in future versions
assert str(caught[0].message).startswith("Decorating classes is deprecated")
scorer = Scorer()
assert scorer.built_in_no_grad  # __init__ ran under no_grad
assert scorer.score(torch.ones(1)).grad_fn is not None  # score() did not
assert not isinstance(Scorer, type)  # the name now refers to a function
# --8<-- [end:class]
