"""What an evaluation forward pass keeps for backward, counted in bytes.

Claims:
    measurements.grad-mode-saves-activations: In grad mode, an evaluation forward
        pass of an MLP and of a small CNN (both in `eval()`) saves activation tensors
        for backward, and their bytes grow in proportion to the batch size (within 1%).
    measurements.no-grad-saves-nothing: Under `torch.no_grad()` and under
        `torch.inference_mode()`, the same forward passes save no tensor at all for backward.
    measurements.params-among-saved: In grad mode some weights are among the saved
        tensors (not the first layer's, whose input needs no gradient), and they cost
        nothing extra because the model holds them anyway.

Counter-cases:
    measurements.grad-mode-saves-activations: `_, totals, _ = saved_bytes(model, torch.randn(batch, *shape), "grad")` -> `_, totals, _ = saved_bytes(model, torch.randn(batch, *shape), "no_grad")`
    measurements.no-grad-saves-nothing: `for mode in ("no_grad", "inference_mode"):` -> `for mode in ("grad", "inference_mode"):`
    measurements.params-among-saved: `_, totals, _ = saved_bytes(mlp, torch.randn(32, 256), "grad")` -> `_, totals, _ = saved_bytes(mlp, torch.randn(32, 256, requires_grad=True), "grad")`
"""

# --8<-- [start:main]
import contextlib

import torch
from torch import nn


def saved_bytes(model, x, mode):
    """Bytes of the distinct storages autograd saves during model(x), by kind."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    params |= {b.untyped_storage().data_ptr() for b in model.buffers()}
    seen = {}  # storage pointer -> (kind, bytes); a storage counts once

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        kind = "param" if ptr in params else "input" if ptr == x.data_ptr() else "activation"
        seen[ptr] = (kind, t.untyped_storage().nbytes())
        return t.detach()  # not t itself: that would make a reference cycle  # equivalent: nothing here checks when it is freed

    ctx = {"grad": contextlib.nullcontext(), "no_grad": torch.no_grad(), "inference_mode": torch.inference_mode()}[mode]
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), ctx:
        out = model(x)
    totals = {"activation": 0, "param": 0, "input": 0}
    for kind, n in seen.values():
        totals[kind] += n
    return out, totals, len(seen)


torch.manual_seed(0)
mlp = nn.Sequential(
    nn.Linear(256, 512), nn.ReLU(), nn.Dropout(0.1), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
).eval()
cnn = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1),
    nn.BatchNorm2d(16),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1),
    nn.BatchNorm2d(32),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(32, 10),
).eval()
models = {"mlp": (mlp, (256,)), "cnn": (cnn, (3, 32, 32))}

# claim: measurements.grad-mode-saves-activations
for name, (model, shape) in models.items():
    per_sample = []
    for batch in (8, 32, 128):
        _, totals, _ = saved_bytes(model, torch.randn(batch, *shape), "grad")
        print(name, batch, totals)
        #> mlp 8 {'activation': 32768, 'param': 1069056, 'input': 8192}
        #> mlp 32 {'activation': 131072, 'param': 1069056, 'input': 32768}
        #> mlp 128 {'activation': 524288, 'param': 1069056, 'input': 131072}
        #> cnn 8 {'activation': 1967104, 'param': 22016, 'input': 98304}
        #> cnn 32 {'activation': 7868416, 'param': 22016, 'input': 393216}
        #> cnn 128 {'activation': 31473664, 'param': 22016, 'input': 1572864}
        assert not model.training and totals["activation"] > 0, name  # eval mode, and still saved
        per_sample.append(totals["activation"] / batch)
    assert max(per_sample) <= 1.01 * min(per_sample), (name, per_sample)

# claim: measurements.no-grad-saves-nothing
for name, (model, shape) in models.items():
    for mode in ("no_grad", "inference_mode"):
        out, totals, n_storages = saved_bytes(model, torch.randn(32, *shape), mode)
        assert n_storages == 0 and sum(totals.values()) == 0, (name, mode)
        assert out.grad_fn is None and out.is_inference() == (mode == "inference_mode")

# claim: measurements.params-among-saved
_, totals, _ = saved_bytes(mlp, torch.randn(32, 256), "grad")
# The weights of the second and third Linear layers: each is needed to pass a
# gradient back to its input. The first layer's input needs none, so its weight
# is not saved; no bias is saved.
assert totals["param"] == mlp[3].weight.nbytes + mlp[5].weight.nbytes
# --8<-- [end:main]
