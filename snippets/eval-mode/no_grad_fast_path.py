"""Some modules pick a different kernel when grad mode is off.

Claims:
    eval-mode.no-grad-can-change-kernel: In `eval()`, `nn.TransformerEncoderLayer`
        runs its fused fast path (`aten::_transformer_encoder_layer_fwd`) under
        `torch.no_grad()` but not with grad mode on and parameters that require
        grad, so the two outputs come from different kernels: they agree to
        within 1e-5, and bit-identity is not something this layer promises.
"""

# --8<-- [start:main]
import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True).eval()
x = torch.randn(4, 5, 16)


def run(grad_enabled):
    with profile(activities=[ProfilerActivity.CPU]) as prof, torch.set_grad_enabled(grad_enabled):
        out = layer(x)
    return out.detach(), {event.name for event in prof.events()}


out_grad, ops_grad = run(True)
out_nograd, ops_nograd = run(False)
fast_path = "aten::_transformer_encoder_layer_fwd"
assert fast_path in ops_nograd  # no_grad: the fused kernel
assert fast_path not in ops_grad  # grad mode on: the ordinary ops
assert torch.allclose(out_grad, out_nograd, atol=1e-5)  # close, by a different route
# --8<-- [end:main]
