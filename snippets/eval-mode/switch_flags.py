"""eval() flips module flags only; no_grad flips the grad mode only.

Claims:
    eval-mode.eval-leaves-grad-mode: `model.eval()` (the same call as
        `model.train(False)`) sets `training=False` on every submodule and leaves
        `torch.is_grad_enabled()` and every parameter's `requires_grad` as they
        were, so `backward()` through this Linear and Dropout model on CPU still
        fills `.grad` in eval mode.
    eval-mode.no-grad-leaves-training-flag: `torch.no_grad()` turns
        `torch.is_grad_enabled()` off inside the block and leaves every module's
        `training` flag and every parameter's `requires_grad` unchanged.

Counter-cases:
    eval-mode.eval-leaves-grad-mode: `model.eval()` -> `model.requires_grad_(False)`
    eval-mode.no-grad-leaves-training-flag: `with torch.no_grad():` -> `with torch.enable_grad():`
"""

# claim: eval-mode.eval-leaves-grad-mode
# --8<-- [start:eval]
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))

model.eval()
print([m.training for m in model.modules()], torch.is_grad_enabled())
#> [False, False, False, False] True
assert all(not m.training for m in model.modules())  # every submodule
assert torch.is_grad_enabled()  # grad mode untouched
assert all(p.requires_grad for p in model.parameters())

model(torch.randn(3, 4)).sum().backward()  # a graph was recorded
assert all(p.grad is not None for p in model.parameters())
# --8<-- [end:eval]

calls = []


class Spy(nn.Module):
    def train(self, mode=True):
        calls.append(mode)
        return super().train(mode)


spy = Spy()
assert spy.eval() is spy and calls == [False]  # eval() is a call to train(False)

# claim: eval-mode.no-grad-leaves-training-flag
# --8<-- [start:no_grad]
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
assert model.training  # modules start in train mode

with torch.no_grad():
    print(torch.is_grad_enabled(), [m.training for m in model.modules()])
    #> False [True, True, True, True]
    assert not torch.is_grad_enabled()
    assert all(m.training for m in model.modules())  # still train mode
    assert all(p.requires_grad for p in model.parameters())
assert torch.is_grad_enabled()  # restored on exit
# --8<-- [end:no_grad]
