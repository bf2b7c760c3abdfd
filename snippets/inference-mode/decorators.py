"""inference_mode as a decorator.

Claims:
    inference-mode.decorator-forms: In torch 2.13.0, `@torch.inference_mode`,
        `@torch.inference_mode()` and `@torch.inference_mode(False)` all work as
        decorators; the first two run the function in inference mode, the
        third with inference mode off and grad mode on.
"""

# --8<-- [start:main]
import torch


@torch.inference_mode
def bare(x):
    return x * 2


@torch.inference_mode()
def called(x):
    return x * 2


@torch.inference_mode(False)
def disabled(x):
    assert torch.is_grad_enabled()
    return x * 2


x = torch.ones(2, requires_grad=True)
assert bare(x).is_inference() and called(x).is_inference()
with torch.inference_mode():
    out = disabled(x)
assert not out.is_inference() and out.grad_fn is not None  # recorded
# --8<-- [end:main]
