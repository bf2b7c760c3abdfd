"""Forgetting model.train() after validation.

Claims:
    eval-mode.forgotten-train-call: After a validation pass that called
        `model.eval()`, training steps run without any error but with Dropout off
        and BatchNorm statistics frozen until `model.train()` is called again.

Counter-cases:
    eval-mode.forgotten-train-call: `model.train()  # switch back before the next training step` -> `pass`
"""

# --8<-- [start:forgot]
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2))
x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))


def validate(model):
    model.eval()
    with torch.no_grad():  # equivalent: grad mode is restored on return: only the eval() flag outlives validate()
        return model(x).argmax(1)


validate(model)
# next training step, without model.train():
loss = nn.functional.cross_entropy(model(x), y)
loss.backward()  # no error: the mistake is silent
assert not model.training
assert torch.equal(model(x), model(x))  # dropout is off
assert torch.equal(model[1].running_mean, torch.zeros(8))  # BatchNorm stats frozen at their initial zeros
# --8<-- [end:forgot]

# --8<-- [start:fixed]
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2))
x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))


def validate(model):
    model.eval()  # equivalent: model.train() follows: this flag is overwritten
    with torch.no_grad():  # equivalent: grad mode is restored on return
        return model(x).argmax(1)


validate(model)
model.train()  # switch back before the next training step
stats = model[1].running_mean.clone()
loss = nn.functional.cross_entropy(model(x), y)
loss.backward()
assert not torch.equal(model(x), model(x))  # dropout is active again
assert not torch.equal(model[1].running_mean, stats)  # statistics update again
# --8<-- [end:fixed]
