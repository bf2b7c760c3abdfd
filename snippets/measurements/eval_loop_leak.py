"""An evaluation loop that sums loss tensors keeps every iteration's graph alive.

Claims:
    measurements.loss-accumulation-grows-linearly: In grad mode, `running_loss += loss`
        keeps the saved tensors of every iteration alive, so after N iterations they
        occupy exactly N times the bytes of one iteration.
    measurements.item-accumulation-stays-flat: With `running_loss += loss.item()` the
        saved bytes stay at one iteration's worth however many iterations run, and
        under `torch.no_grad()` they stay at zero.

Counter-cases:
    measurements.loss-accumulation-grows-linearly: `kept = kept_bytes_per_iteration(lambda total, loss: total + loss)  # running_loss += loss` -> `kept = kept_bytes_per_iteration(lambda total, loss: total + loss.item())`
    measurements.item-accumulation-stays-flat: `kept = kept_bytes_per_iteration(lambda total, loss: total + loss.item())` -> `kept = kept_bytes_per_iteration(lambda total, loss: total + loss)`
"""

# --8<-- [start:main]
import torch
from torch import nn

live = {}  # storage pointer -> [references from graphs, bytes]


class Saved:
    """Wraps each tensor autograd saves; dies when the graph holding it is freed."""

    def __init__(self, t):
        self.t, self.ptr = t.detach(), t.untyped_storage().data_ptr()
        entry = live.setdefault(self.ptr, [0, t.untyped_storage().nbytes()])
        entry[0] += 1

    def __del__(self):
        live[self.ptr][0] -= 1
        if live[self.ptr][0] == 0:
            del live[self.ptr]


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 10))
params = {p.untyped_storage().data_ptr() for p in model.parameters()}
batches = [(torch.randn(32, 256), torch.randint(0, 10, (32,))) for _ in range(20)]


def kept_bytes_per_iteration(accumulate, grad=True):
    kept = []
    with torch.autograd.graph.saved_tensors_hooks(Saved, lambda s: s.t), torch.set_grad_enabled(grad):
        running_loss = 0.0
        for x, y in batches:
            loss = nn.functional.cross_entropy(model(x), y)
            running_loss = accumulate(running_loss, loss)
            kept.append(sum(n for ptr, (_, n) in live.items() if ptr not in params))
    return kept


# claim: measurements.loss-accumulation-grows-linearly
kept = kept_bytes_per_iteration(lambda total, loss: total + loss)  # running_loss += loss
one = kept[0]
print(kept[:3], "...", kept[-1])
#> [99844, 199688, 299532] ... 1996880
assert one > 0
assert all(k == (i + 1) * one for i, k in enumerate(kept)), kept

# claim: measurements.item-accumulation-stays-flat
kept = kept_bytes_per_iteration(lambda total, loss: total + loss.item())
assert kept == [one] * len(batches)  # only the last iteration's graph, still referenced
kept = kept_bytes_per_iteration(lambda total, loss: total + loss, grad=False)
assert kept == [0] * len(batches)
# --8<-- [end:main]
