"""With a padding mask, the no_grad fast path of TransformerEncoder zeroes the padded positions.

Claims:
    eval-mode.padding-mask-zeros-under-no-grad: For an `nn.TransformerEncoder` in
        `eval()` given a `src_key_padding_mask`, the output at every padded
        position is exactly zero under `torch.no_grad()` and nonzero in grad mode
        (parameters requiring grad), the real positions agree within 1e-5, and a
        plain mean over all positions differs between the two modes by more than 0.1.
    eval-mode.masked-pooling-agrees: Pooling that averages only the unpadded
        positions gives results that agree within 1e-5 between grad mode and
        `torch.no_grad()` for the same encoder and mask.
    eval-mode.padding-zeros-conditions: The exact zeros appear only when
        `nn.TransformerEncoder` takes its nested-tensor fast path: in `eval()`, with
        autograd not recording for its parameters (`no_grad`, `inference_mode`, or grad
        mode with frozen parameters and an input that needs no grad); `train()`,
        `enable_nested_tensor=False`, `torch.backends.mha.set_fastpath_enabled(False)`,
        `batch_first=False`, an odd number of heads, or padding at the start of a
        sequence each leave the padded positions not all zero.

Counter-cases:
    eval-mode.padding-mask-zeros-under-no-grad: `encoder = nn.TransformerEncoder(layer, num_layers=2).eval()  # fast path possible` -> `encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()`
    eval-mode.padding-mask-zeros-under-no-grad: `encoder = nn.TransformerEncoder(layer, num_layers=2).eval()  # fast path possible` -> `encoder = nn.TransformerEncoder(layer, num_layers=2).eval().requires_grad_(False)`
    eval-mode.masked-pooling-agrees: `return (out * keep).sum(dim=1) / keep.sum(dim=1)  # real positions only` -> `return out.mean(dim=1)`
    eval-mode.padding-zeros-conditions: `encoder.train(train).requires_grad_(not frozen)` -> `encoder.train(train)`
    eval-mode.padding-zeros-conditions: `pad = pad.flip(1)  # padding first: not left-aligned` -> `pad = pad`
"""

# claim: eval-mode.padding-mask-zeros-under-no-grad
# --8<-- [start:main]
import torch
from torch import nn

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True)
encoder = nn.TransformerEncoder(layer, num_layers=2).eval()  # fast path possible
x = torch.randn(3, 6, 16)  # 3 sequences of lengths 6, 4 and 2, padded to 6
pad = torch.arange(6) >= torch.tensor([[6], [4], [2]])  # True marks a padded position

out_grad = encoder(x, src_key_padding_mask=pad)  # grad mode: the ordinary path
with torch.no_grad():
    out_nograd = encoder(x, src_key_padding_mask=pad)  # the fast path, via a nested tensor

print(f"padded positions: {int(pad.sum())}")
#> padded positions: 6
print(f"all-zero in grad mode: {int((out_grad[pad] == 0).all(-1).sum())}")
#> all-zero in grad mode: 0
print(f"all-zero under no_grad: {int((out_nograd[pad] == 0).all(-1).sum())}")
#> all-zero under no_grad: 6
assert (out_nograd[pad] == 0).all()  # no_grad: exact zeros at every padded position
assert (out_grad[pad] != 0).all()  # grad mode: ordinary values there
assert torch.allclose(out_grad[~pad], out_nograd[~pad], atol=1e-5)  # real positions: rounding

mean_grad, mean_nograd = out_grad.mean(dim=1), out_nograd.mean(dim=1)  # pools the padding too
print(f"largest difference of the plain mean: {(mean_grad - mean_nograd).abs().max():.2f}")
#> largest difference of the plain mean: 0.92
assert (mean_grad - mean_nograd).abs().max() > 0.1
# --8<-- [end:main]

# claim: eval-mode.masked-pooling-agrees
# --8<-- [start:masked]
import torch
from torch import nn

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True)
encoder = nn.TransformerEncoder(layer, num_layers=2).eval()
x = torch.randn(3, 6, 16)
pad = torch.arange(6) >= torch.tensor([[6], [4], [2]])  # True marks a padded position


def masked_mean(out, pad):
    """Mean over the real positions of each sequence; padded positions are ignored."""
    keep = (~pad).unsqueeze(-1).to(out.dtype)
    return (out * keep).sum(dim=1) / keep.sum(dim=1)  # real positions only


pooled_grad = masked_mean(encoder(x, src_key_padding_mask=pad), pad)
with torch.no_grad():
    out_nograd = encoder(x, src_key_padding_mask=pad)
    pooled_nograd = masked_mean(out_nograd, pad)
assert (out_nograd[pad] == 0).all()  # the fast path ran: zeros at the padded positions
assert torch.allclose(pooled_grad, pooled_nograd, atol=1e-5)  # the modes agree again
# --8<-- [end:masked]

# claim: eval-mode.padding-zeros-conditions
# --8<-- [start:conditions]
import warnings

import torch
from torch import nn

# The encoder warns when its configuration rules the nested-tensor path out, and
# the nested-tensor API warns that it is a prototype: both are expected here.
warnings.simplefilter("ignore", UserWarning)


def padded_outputs_zero(
    mode=torch.no_grad, train=False, frozen=False, nested=True, fastpath=True, batch_first=True, nhead=2, pad_first=False
):
    """Run a 2-layer encoder with a padding mask; are all its padded outputs exactly 0?"""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, nhead, dim_feedforward=32, batch_first=batch_first)
    encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=nested)
    encoder.train(train).requires_grad_(not frozen)
    x = torch.randn(3, 6, 16)  # (batch, sequence, feature)
    pad = torch.arange(6) >= torch.tensor([[6], [4], [2]])  # padding at the end
    if pad_first:
        pad = pad.flip(1)  # padding first: not left-aligned
    src = x if batch_first else x.transpose(0, 1)  # (sequence, batch, feature)
    torch.backends.mha.set_fastpath_enabled(fastpath)
    try:
        with mode():
            out = encoder(src, src_key_padding_mask=pad)
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
    out = out if batch_first else out.transpose(0, 1)
    return bool((out[pad] == 0).all())


cases = {
    "eval, no_grad": padded_outputs_zero(),
    "eval, grad mode, frozen parameters": padded_outputs_zero(mode=torch.enable_grad, frozen=True),
    "eval, grad mode": padded_outputs_zero(mode=torch.enable_grad),
    "train, no_grad": padded_outputs_zero(train=True),
    "enable_nested_tensor=False": padded_outputs_zero(nested=False),
    "set_fastpath_enabled(False)": padded_outputs_zero(fastpath=False),
    "batch_first=False": padded_outputs_zero(batch_first=False),
    "odd number of heads": padded_outputs_zero(nhead=1),
    "padding at the start": padded_outputs_zero(pad_first=True),
}
for case, zero in cases.items():
    print(f"{case:36} padded outputs all zero: {zero}")
    #> eval, no_grad                        padded outputs all zero: True
    #> eval, grad mode, frozen parameters   padded outputs all zero: True
    #> eval, grad mode                      padded outputs all zero: False
    #> train, no_grad                       padded outputs all zero: False
    #> enable_nested_tensor=False           padded outputs all zero: False
    #> set_fastpath_enabled(False)          padded outputs all zero: False
    #> batch_first=False                    padded outputs all zero: False
    #> odd number of heads                  padded outputs all zero: False
    #> padding at the start                 padded outputs all zero: False
assert padded_outputs_zero(mode=torch.inference_mode)  # inference_mode, like no_grad
fast_path = {"eval, no_grad", "eval, grad mode, frozen parameters"}
assert {case for case, zero in cases.items() if zero} == fast_path  # and in no other case
# --8<-- [end:conditions]
