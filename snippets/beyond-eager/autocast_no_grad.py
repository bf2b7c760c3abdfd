"""autocast with no_grad: what is recorded, and what the weight-cast cache does.

Claims:
    beyond-eager.autocast-no-grad-records-nothing: Inside `torch.autocast("cpu",
        dtype=torch.bfloat16)`, a linear layer's output is bfloat16 both under
        `torch.no_grad()` and in grad mode; under `no_grad` it has no `grad_fn`, in grad
        mode it has one.
    beyond-eager.autocast-cache-casts-once: Within one autocast region, two forward
        passes of a linear layer cast its weight and bias to bfloat16 once, under
        `no_grad` as in grad mode: `torch.profiler` counts 4 `aten::_to_copy` calls,
        where casting weight, bias and input in each pass takes 6; it counts 6 under
        `inference_mode`, with `cache_enabled=False`, in two separate autocast regions,
        and when the parameters do not require grad.
    beyond-eager.autocast-no-grad-then-grad: A `no_grad` forward pass inside an
        autocast region does not spoil a later grad-mode pass in the same region:
        backward gives the weights the same gradients as in a fresh region.

Counter-cases:
    beyond-eager.autocast-no-grad-records-nothing: `with torch.no_grad():  # evaluation pass` -> `with torch.enable_grad():`
    beyond-eager.autocast-cache-casts-once: `"grad mode": count_casts(),` -> `"grad mode": count_casts(cache_enabled=False),`
    beyond-eager.autocast-cache-casts-once: `"no_grad": count_casts(torch.no_grad),` -> `"no_grad": count_casts(torch.inference_mode),`
    beyond-eager.autocast-no-grad-then-grad: `model.zero_grad()` -> `pass`

Torch: >=2.13
"""

# claim: beyond-eager.autocast-no-grad-records-nothing
# --8<-- [start:dtype]
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 2)
x = torch.randn(3, 4)

with torch.autocast("cpu", dtype=torch.bfloat16):
    with torch.no_grad():  # evaluation pass
        evaluated = model(x)
    trained = model(x)

print(evaluated.dtype, evaluated.grad_fn)
#> torch.bfloat16 None
print(trained.dtype, type(trained.grad_fn).__name__)
#> torch.bfloat16 AddmmBackward0
assert evaluated.dtype == torch.bfloat16 and evaluated.grad_fn is None
assert trained.dtype == torch.bfloat16 and trained.grad_fn is not None
# --8<-- [end:dtype]

# claim: beyond-eager.autocast-cache-casts-once
# --8<-- [start:cache]
import contextlib

import torch
from torch.profiler import profile

torch.manual_seed(0)
model = torch.nn.Linear(4, 2)
x = torch.randn(3, 4)


def count_casts(mode=contextlib.nullcontext, cache_enabled=True, regions=1):
    """Run two forward passes and count the casts (aten::_to_copy) they make."""
    with profile() as prof:
        if regions == 1:
            with torch.autocast("cpu", dtype=torch.bfloat16, cache_enabled=cache_enabled), mode():
                model(x)
                model(x)
        else:
            for _ in range(2):
                with torch.autocast("cpu", dtype=torch.bfloat16), mode():
                    model(x)
    return sum(event.name == "aten::_to_copy" for event in prof.events())


casts = {
    "grad mode": count_casts(),
    "no_grad": count_casts(torch.no_grad),
    "inference_mode": count_casts(torch.inference_mode),
    "cache_enabled=False": count_casts(cache_enabled=False),
    "two regions": count_casts(regions=2),
}
model.requires_grad_(False)  # frozen parameters are not cached
casts["frozen"] = count_casts()

print(torch.is_autocast_cache_enabled())
#> True
print(casts)
#> {'grad mode': 4, 'no_grad': 4, 'inference_mode': 6, 'cache_enabled=False': 6, 'two regions': 6, 'frozen': 6}
assert casts["grad mode"] == casts["no_grad"] == 4  # weight and bias cast once, input twice
assert casts["inference_mode"] == casts["cache_enabled=False"] == 6  # cast on every call
assert casts["two regions"] == casts["frozen"] == 6
# --8<-- [end:cache]

# claim: beyond-eager.autocast-no-grad-then-grad
# --8<-- [start:mixed]
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 2)
x = torch.randn(3, 4)

with torch.autocast("cpu", dtype=torch.bfloat16):
    model(x).float().sum().backward()  # a fresh region
expected = model.weight.grad.clone()  # equivalent: zero_grad() sets grad to None, never overwrites it
model.zero_grad()

with torch.autocast("cpu", dtype=torch.bfloat16):  # the same region for both passes
    with torch.no_grad():
        evaluation = model(x)  # evaluation pass in the same region
    loss = model(x).float().sum()
    loss.backward()

print(model.weight.grad is not None)
#> True
assert evaluation.grad_fn is None  # the evaluation pass recorded nothing
assert model.weight.grad is not None
assert torch.equal(model.weight.grad, expected)
# --8<-- [end:mixed]
