"""Some modules pick a different kernel when grad mode is off.

Claims:
    eval-mode.no-grad-can-change-kernel: In `eval()`, `nn.TransformerEncoderLayer`
        runs its fused kernel (`aten::_transformer_encoder_layer_fwd`) under
        `torch.no_grad()` but not in grad mode with parameters that require grad
        (without a padding mask the two outputs agree within 1e-5), and
        `nn.TransformerEncoder` given a `src_key_padding_mask` also turns its input
        into a nested tensor (`aten::_nested_tensor_from_mask`) under `no_grad`
        only.
    eval-mode.hooks-disable-fast-path: A forward hook registered on a submodule of
        an `nn.TransformerEncoderLayer` in `eval()` turns its fused kernel off: under
        `torch.no_grad()` the layer then runs the ordinary operators, and removing the
        hook brings the fused kernel back.

Counter-cases:
    eval-mode.no-grad-can-change-kernel: `layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True).eval()  # one layer` -> `layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True).eval().requires_grad_(False)`
    eval-mode.no-grad-can-change-kernel: `encoder = nn.TransformerEncoder(layer, num_layers=2).eval()  # a stack` -> `encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()`
    eval-mode.hooks-disable-fast-path: `handle = layer.linear1.register_forward_hook(keep)  # e.g. to read features` -> `handle = nn.Identity().register_forward_hook(keep)`
"""

# claim: eval-mode.no-grad-can-change-kernel
# --8<-- [start:main]
import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True).eval()  # one layer
x = torch.randn(4, 5, 16)


def run(module, grad_enabled, **kwargs):
    """The output of module(x) and the names of the operators that ran."""
    with profile(activities=[ProfilerActivity.CPU]) as prof, torch.set_grad_enabled(grad_enabled):
        out = module(x, **kwargs)
    return out, {event.name for event in prof.events()}


out_grad, ops_grad = run(layer, True)
out_nograd, ops_nograd = run(layer, False)
fused = "aten::_transformer_encoder_layer_fwd"
print(fused in ops_grad, fused in ops_nograd)
#> False True
assert fused in ops_nograd  # no_grad: the fused kernel
assert fused not in ops_grad  # grad mode on: the ordinary operators
assert torch.allclose(out_grad, out_nograd, atol=1e-5)  # no mask: close, by another route
# --8<-- [end:main]

# --8<-- [start:encoder]
import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile  # noqa: F811 (each section runs on its own)

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True)
encoder = nn.TransformerEncoder(layer, num_layers=2).eval()  # a stack
x = torch.randn(4, 5, 16)
pad = torch.arange(5) >= torch.tensor([[5], [4], [3], [2]])  # True marks padding


def run(module, grad_enabled, **kwargs):
    """The output of module(x) and the names of the operators that ran."""
    with profile(activities=[ProfilerActivity.CPU]) as prof, torch.set_grad_enabled(grad_enabled):
        out = module(x, **kwargs)
    return out, {event.name for event in prof.events()}


_, ops_grad = run(encoder, True, src_key_padding_mask=pad)
_, ops_nograd = run(encoder, False, src_key_padding_mask=pad)
nested = "aten::_nested_tensor_from_mask"
print(nested in ops_grad, nested in ops_nograd)
#> False True
assert nested in ops_nograd  # no_grad: the padded batch becomes a nested tensor
assert nested not in ops_grad  # grad mode: the padded batch as it is
# --8<-- [end:encoder]

# claim: eval-mode.hooks-disable-fast-path
# --8<-- [start:hooks]
import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile  # noqa: F811 (each section runs on its own)

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True).eval()
x = torch.randn(4, 5, 16)


def ops_under_no_grad(module):
    """The names of the operators module(x) runs under no_grad."""
    with profile(activities=[ProfilerActivity.CPU]) as prof, torch.no_grad():
        module(x)
    return {event.name for event in prof.events()}


features = []


def keep(module, args, output):
    features.append(output)


handle = layer.linear1.register_forward_hook(keep)  # e.g. to read features
with_hook = ops_under_no_grad(layer)
handle.remove()
without_hook = ops_under_no_grad(layer)
fused = "aten::_transformer_encoder_layer_fwd"
print(fused in with_hook, fused in without_hook, len(features))
#> False True 1
assert fused not in with_hook  # a hook on a submodule: the ordinary operators
assert len(features) == 1  # and the hook ran
assert fused in without_hook  # no hook: the fused kernel again
# --8<-- [end:hooks]
