"""On CUDA, the caching allocator sees the saved tensors and nothing else.

Claims:
    measurements.cuda-allocator-matches-saved-bytes: On CUDA, the `memory_allocated()`
        increase while a grad-mode MLP output is alive is at least the saved activation
        bytes plus the output (the same bytes the saved-tensor count finds on CPU) and
        exceeds them by no more than the allocator's 512-byte rounding, while under
        `torch.no_grad()` it is only the output, within the same rounding.

Requires: cuda
"""

# --8<-- [start:main]
import gc

import torch
from torch import nn

# The caching allocator rounds each block up to a multiple of 512 bytes, so one
# block occupies at most 511 bytes more than its tensor; memory_allocated() counts
# the rounded blocks.
ROUND = 512


def forward(model, x, grad):
    """Run model(x); return its output and the activation storages autograd saved."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved = {}

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params and ptr != x.data_ptr():
            saved[ptr] = t.untyped_storage().nbytes()
        return t.detach()  # not t itself: that would make a reference cycle

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), torch.set_grad_enabled(grad):
        out = model(x)
    return out, saved


def allocated_while_alive(model, x, grad):
    """memory_allocated() increase while the output (and its graph) is referenced."""
    gc.collect()
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    out, saved = forward(model, x, grad)
    torch.cuda.synchronize()
    delta = torch.cuda.memory_allocated() - before
    out_bytes = 0 if out.untyped_storage().data_ptr() in saved else out.untyped_storage().nbytes()
    n_blocks = len(saved) + (out_bytes > 0)
    return delta, sum(saved.values()), out_bytes, n_blocks


torch.manual_seed(0)
# Batch 64: each saved activation is 128 KiB and the output 2.5 KiB, so every
# block is below 1 MiB (the allocator's small pool) and a multiple of 512 bytes.
model = nn.Sequential(
    nn.Linear(256, 512), nn.ReLU(), nn.Dropout(0.1), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
).eval()
x_cpu = torch.randn(64, 256)
cpu_activation_bytes = sum(forward(model, x_cpu, grad=True)[1].values())

model, x = model.cuda(), x_cpu.cuda()
# Warm-up: the first matmul on a stream allocates cuBLAS's workspace through the
# same allocator and keeps it (torch.cuda.empty_cache() does not free it), so it
# must exist before the baseline is read.
for grad in (True, False, True, False):
    forward(model, x, grad)

# claim: measurements.cuda-allocator-matches-saved-bytes
delta, activation_bytes, out_bytes, n_blocks = allocated_while_alive(model, x, grad=True)
assert activation_bytes == cpu_activation_bytes > 0
assert activation_bytes + out_bytes <= delta < activation_bytes + out_bytes + ROUND * n_blocks, delta

delta, activation_bytes, out_bytes, n_blocks = allocated_while_alive(model, x, grad=False)
assert activation_bytes == 0 and n_blocks == 1 and out_bytes > 0
assert out_bytes <= delta < out_bytes + ROUND, (delta, out_bytes)  # the output alone
# --8<-- [end:main]
