"""Activation checkpointing in evaluation: what it saves, and the reentrant warning.

Claims:
    beyond-eager.checkpoint-no-grad-saves-nothing: Under `torch.no_grad()`, a plain
        forward pass and `torch.utils.checkpoint.checkpoint` with `use_reentrant=True`
        or `False` all save 0 bytes for backward and return outputs without a
        `grad_fn`, with the plain pass's values; in grad mode, with an input that does
        not require grad, the non-reentrant checkpoint saves 65,536 bytes (its input)
        where the plain pass saves 1,638,400.
    beyond-eager.checkpoint-reentrant-warns: `checkpoint(..., use_reentrant=True)` warns
        "None of the inputs have requires_grad=True. Gradients will be None" when no
        input requires grad, under `no_grad` too, and in grad mode its output then has
        no `grad_fn`; `use_reentrant=False` does not warn, and in grad mode its output
        has a `grad_fn`.
    beyond-eager.checkpoint-default-warns: Called without `use_reentrant`, `checkpoint`
        warns that the parameter "should be passed explicitly" and that leaving it out
        "will raise an exception" ("Starting in PyTorch 2.9" in torch 2.13 and 2.14, "In a
        future release" from 2.15), yet raises nothing and runs the reentrant variant
        (its "None of the inputs" warning follows).

Counter-cases:
    beyond-eager.checkpoint-no-grad-saves-nothing: `with torch.no_grad():  # evaluation` -> `with torch.enable_grad():`
    beyond-eager.checkpoint-reentrant-warns: `block, x, use_reentrant=True  # no input requires grad` -> `block, x.requires_grad_(), use_reentrant=True`
    beyond-eager.checkpoint-default-warns: `out = checkpoint(block, x)  # use_reentrant omitted` -> `out = checkpoint(block, x, use_reentrant=False)`

Torch: >=2.13
"""

# claim: beyond-eager.checkpoint-no-grad-saves-nothing
# --8<-- [start:saved]
import torch
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)
block = torch.nn.Sequential(torch.nn.Linear(256, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 256))
x = torch.randn(64, 256)  # 65,536 bytes
saved_bytes = 0


def pack(t):
    global saved_bytes
    saved_bytes += t.untyped_storage().nbytes()
    return t.detach()  # equivalent: the hook's return is never compared (detach: the hook must not reference its input)


def run(fn):
    """Return fn's output and the bytes autograd saved for backward while it ran."""
    global saved_bytes
    saved_bytes = 0
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    return out, saved_bytes


variants = {
    "plain": lambda: block(x),
    "reentrant": lambda: checkpoint(block, x, use_reentrant=True),
    "non-reentrant": lambda: checkpoint(block, x, use_reentrant=False),
}
with torch.no_grad():  # evaluation
    results = {name: run(fn) for name, fn in variants.items()}
print({name: nbytes for name, (out, nbytes) in results.items()})
#> {'plain': 0, 'reentrant': 0, 'non-reentrant': 0}
for out, nbytes in results.values():
    assert nbytes == 0 and out.grad_fn is None
    assert torch.equal(out, results["plain"][0])

_, plain_bytes = run(variants["plain"])  # grad mode
_, checkpoint_bytes = run(variants["non-reentrant"])
print(plain_bytes, checkpoint_bytes)
#> 1638400 65536
assert plain_bytes == 1_638_400
assert checkpoint_bytes == 65_536 == x.untyped_storage().nbytes()
# --8<-- [end:saved]

# claim: beyond-eager.checkpoint-reentrant-warns
# --8<-- [start:warning]
import warnings

import torch
from torch.utils.checkpoint import checkpoint  # noqa: F811 (each section runs on its own)

torch.manual_seed(0)
block = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8))
x = torch.randn(4, 8)


def warnings_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(w.message) for w in caught]


def reentrant():
    return checkpoint(
        block, x, use_reentrant=True  # no input requires grad
    )


with torch.no_grad():  # equivalent: it warns the same in grad mode (below)
    _, messages = warnings_of(reentrant)
print(messages)
#> ['None of the inputs have requires_grad=True. Gradients will be None']
assert messages == ["None of the inputs have requires_grad=True. Gradients will be None"]

out, messages = warnings_of(reentrant)  # grad mode
assert len(messages) == 1 and out.grad_fn is None  # the parameters would get no gradient

with torch.no_grad():  # equivalent: it does not warn in grad mode either (below)
    _, messages = warnings_of(lambda: checkpoint(block, x, use_reentrant=False))
assert messages == []
out, messages = warnings_of(lambda: checkpoint(block, x, use_reentrant=False))
assert messages == [] and out.grad_fn is not None
# --8<-- [end:warning]

# claim: beyond-eager.checkpoint-default-warns
# --8<-- [start:default]
import warnings  # noqa: F811 (each section runs on its own)

import torch
from torch.utils.checkpoint import checkpoint  # noqa: F811 (each section runs on its own)

torch.manual_seed(0)
block = torch.nn.Linear(8, 8)
x = torch.randn(4, 8)

with torch.no_grad(), warnings.catch_warnings(record=True) as caught:  # equivalent: the warnings do not depend on the grad mode
    warnings.simplefilter("always")
    out = checkpoint(block, x)  # use_reentrant omitted
messages = [str(w.message) for w in caught]
assert len(messages) == 2
print(len(messages), messages[1])
#> 2 None of the inputs have requires_grad=True. Gradients will be None
assert "the use_reentrant parameter should be passed explicitly" in messages[0]
before_2_15 = torch.torch_version.TorchVersion(torch.__version__) < "2.15"
when = "Starting in PyTorch 2.9" if before_2_15 else "In a future release"  # the wording changed
assert f"{when}, calling checkpoint without use_reentrant will raise an exception" in messages[0]
assert messages[1].startswith("None of the inputs have requires_grad=True")
assert out.shape == (4, 8)  # no exception: it ran
# --8<-- [end:default]
