"""Measuring what autograd keeps on CPU: tracemalloc does not see it, a saved-tensors hook does.

Claims:
    accuracy.tracemalloc-misses-torch: `tracemalloc` does not trace torch's CPU allocator:
        allocating a 4,000,000-byte tensor adds less than 4,000 bytes to its traced memory
        (a 4,000,000-byte `bytearray` adds at least 4,000,000), and over a forward pass in
        which autograd saves 4,759,552 bytes of tensors, as counted by a saved-tensors hook,
        it traces less than 1% of that, as it does under `no_grad`, where the hook counts 0.

Counter-cases:
    accuracy.tracemalloc-misses-torch: `block = torch.empty(1_000_000)  # 4,000,000 bytes from torch's allocator` -> `block = bytearray(4_000_000)`
    accuracy.tracemalloc-misses-torch: `with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):` -> `with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):`
"""

# --8<-- [start:allocator]
import tracemalloc

import torch

tracemalloc.start()
block = torch.empty(1_000_000)  # 4,000,000 bytes from torch's allocator
tensor_traced, _ = tracemalloc.get_traced_memory()
tracemalloc.stop()

tracemalloc.start()
data = bytearray(4_000_000)  # 4,000,000 bytes from Python's allocator
bytes_traced, _ = tracemalloc.get_traced_memory()
tracemalloc.stop()

print(tensor_traced < 4_000, bytes_traced >= 4_000_000)
#> True True
assert tensor_traced < 4_000  # the tensor's Python object only, not its data
assert bytes_traced >= 4_000_000
assert block.untyped_storage().nbytes() == 4_000_000
# --8<-- [end:allocator]

# --8<-- [start:forward]
import tracemalloc

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(256, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 10))
x = torch.randn(512, 256)

saved_bytes = 0


def pack(t):
    global saved_bytes
    saved_bytes += t.untyped_storage().nbytes()  # counts the hidden activation twice
    return t.detach()  # equivalent: nothing here checks when the graph is freed; never return t itself


tracemalloc.start()
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    logits = model(x)  # no no_grad: recorded
recorded_traced, _ = tracemalloc.get_traced_memory()
tracemalloc.stop()
recorded_saved = saved_bytes

saved_bytes = 0
tracemalloc.start()
with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    logits = model(x)
unrecorded_traced, _ = tracemalloc.get_traced_memory()
tracemalloc.stop()

print(recorded_saved, saved_bytes)
#> 4759552 0
print(recorded_traced < recorded_saved / 100, unrecorded_traced < recorded_saved / 100)
#> True True
assert recorded_saved == 4_759_552  # input 512x256, hidden 512x1024 twice, weight 10x1024
assert saved_bytes == 0
assert recorded_traced < recorded_saved / 100  # tracemalloc misses what the graph keeps
assert unrecorded_traced < recorded_saved / 100
# --8<-- [end:forward]
