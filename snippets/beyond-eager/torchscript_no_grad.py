"""TorchScript and no_grad: the block is honoured, the decorator is dropped.

Claims:
    beyond-eager.torchscript-no-grad-block: A `with torch.no_grad()` block inside a
        function compiled with `torch.jit.script` is honoured: called in grad mode on a
        tensor that requires grad, the scripted function returns a result with
        `requires_grad=False`.
    beyond-eager.torchscript-drops-no-grad-decorator: `torch.jit.script` applied to a
        function decorated with `@torch.no_grad()` compiles without error but drops the
        decorator: its result requires grad and has a `grad_fn`, while the same
        decorated function called without scripting returns a result that does not;
        wrapping the scripted function with `torch.no_grad()` (the other order) is
        honoured.
    beyond-eager.torchscript-deprecation-warning: `torch.jit.script` emits one
        warning, a `DeprecationWarning` in torch 2.13 and a `FutureWarning` from 2.14
        ("`torch.jit.script` is deprecated. Please switch to `torch.compile` or
        `torch.export`." before Python 3.14, "is not supported in Python 3.14+ and may
        break" from 3.14), attributed to torch's own `torch/jit/_script.py`, not to
        the caller's line.

Counter-cases:
    beyond-eager.torchscript-no-grad-block: `with torch.no_grad():  # inside the scripted function` -> `if True:`
    beyond-eager.torchscript-drops-no-grad-decorator: `scripted = torch.jit.script(decorated)  # script the decorated function` -> `scripted = decorated`
    beyond-eager.torchscript-deprecation-warning: `torch.jit.script(double)  # the call that warns` -> `double`

Torch: >=2.13
"""

# claim: beyond-eager.torchscript-no-grad-block
# --8<-- [start:block]
import warnings

import torch

warnings.filterwarnings("ignore", message="`torch.jit.script` is")  # it is deprecated


@torch.jit.script
def double(w):
    with torch.no_grad():  # inside the scripted function
        y = w * 2
    return y


w = torch.ones(3, requires_grad=True)
print(double(w).requires_grad)
#> False
assert not double(w).requires_grad and double(w).grad_fn is None
assert (w * 2).requires_grad  # the same product outside the scripted block records
# --8<-- [end:block]

# claim: beyond-eager.torchscript-drops-no-grad-decorator
# --8<-- [start:decorator]
import warnings

import torch

warnings.filterwarnings("ignore", message="`torch.jit.script` is")  # it is deprecated


@torch.no_grad()
def decorated(w):
    return w * 2


def plain(w):
    return w * 2


scripted = torch.jit.script(decorated)  # script the decorated function
wrapped = torch.no_grad()(torch.jit.script(plain))  # the other order

w = torch.ones(3, requires_grad=True)
print(decorated(w).requires_grad, scripted(w).requires_grad, wrapped(w).requires_grad)
#> False True False
assert not decorated(w).requires_grad  # eager: the decorator works
assert scripted(w).requires_grad and scripted(w).grad_fn is not None  # scripted: dropped
assert not wrapped(w).requires_grad  # a Python wrapper around the scripted function works
# --8<-- [end:decorator]

# claim: beyond-eager.torchscript-deprecation-warning
# --8<-- [start:deprecation]
import sys
import warnings

import torch


def double(w):
    return w * 2


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    torch.jit.script(double)  # the call that warns

# torch 2.13 warns with DeprecationWarning (hidden by Python's default filters outside
# __main__), 2.14 and later with FutureWarning (always shown by default).
old_torch = torch.torch_version.TorchVersion(torch.__version__) < "2.14"
category = DeprecationWarning if old_torch else FutureWarning
deprecations = [w for w in caught if w.category is category]
if sys.version_info >= (3, 14):
    expected = "`torch.jit.script` is not supported in Python 3.14+ and may break."
else:
    expected = "`torch.jit.script` is deprecated. Please switch to `torch.compile` or `torch.export`."
assert len(caught) == len(deprecations) == 1
print(len(deprecations), deprecations[0].filename.endswith("_script.py"))
#> 1 True
assert str(deprecations[0].message).startswith(expected)
assert deprecations[0].filename.replace("\\", "/").endswith("torch/jit/_script.py")
# --8<-- [end:deprecation]
