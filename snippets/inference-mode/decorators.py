"""inference_mode as a decorator.

Claims:
    inference-mode.decorator-forms: In torch 2.13.0, `@torch.inference_mode`,
        `@torch.inference_mode()` and `@torch.inference_mode(False)` all work as
        decorators: the decorated name is a function (not an `inference_mode`
        object) that keeps its `__name__` and runs its body when called, the
        first two in inference mode, the third with inference mode off and grad
        mode on.

Counter-cases:
    inference-mode.decorator-forms: `@torch.inference_mode  # no parentheses` -> `@torch.no_grad  # no parentheses`
    inference-mode.decorator-forms: `@torch.inference_mode(False)` -> `@torch.inference_mode(True)`

Torch: >=2.1
"""

# --8<-- [start:main]
import torch

calls = []


@torch.inference_mode  # no parentheses
def bare(x):
    calls.append(("bare", torch.is_inference_mode_enabled()))
    return x * 2


@torch.inference_mode()
def called(x):
    calls.append(("called", torch.is_inference_mode_enabled()))
    return x * 2


@torch.inference_mode(False)
def disabled(x):
    calls.append(("disabled", torch.is_inference_mode_enabled(), torch.is_grad_enabled()))
    return x * 2


x = torch.ones(2, requires_grad=True)
out_bare, out_called = bare(x), called(x)
with torch.inference_mode():
    out_disabled = disabled(x)  # switched off even when called inside inference mode
    back_on = torch.is_inference_mode_enabled()

print(type(bare).__name__, bare.__name__, type(out_bare).__name__)
#> function bare Tensor
print(calls)
#> [('bare', True), ('called', True), ('disabled', False, True)]
assert not isinstance(bare, torch.inference_mode) and bare.__name__ == "bare"
assert calls == [("bare", True), ("called", True), ("disabled", False, True)]  # every body ran
assert out_bare.is_inference() and out_called.is_inference()
assert not out_disabled.is_inference() and out_disabled.grad_fn is not None  # recorded
assert back_on  # the caller's inference mode is back after the call
# --8<-- [end:main]
