"""Functional dropout ignores the module's mode unless you pass it.

Claims:
    eval-mode.functional-dropout-ignores-mode: `torch.nn.functional.dropout`
        defaults to `training=True`, so a `forward` that calls it without
        `training=self.training` keeps dropping units after `eval()`; passing
        `training=self.training` makes `eval()` turn it off.

Counter-cases:
    eval-mode.functional-dropout-ignores-mode: `return F.dropout(self.fc(x), p=0.5)  # training defaults to True` -> `return F.dropout(self.fc(x), p=0.5, training=self.training)`
"""

# --8<-- [start:bug]
import torch
import torch.nn.functional as F
from torch import nn


class Buggy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return F.dropout(self.fc(x), p=0.5)  # training defaults to True


torch.manual_seed(0)
model = Buggy().eval()
assert not model.training  # eval() did switch the module's flag off
x = torch.randn(8, 4)
assert not torch.equal(model(x), model(x))  # still random after eval()
assert (model(x) == 0).any()  # units are still zeroed
# --8<-- [end:bug]

# --8<-- [start:fixed]
import torch
import torch.nn.functional as F  # noqa: F811 (each section runs on its own)
from torch import nn


class Fixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return F.dropout(self.fc(x), p=0.5, training=self.training)


torch.manual_seed(0)
model = Fixed().eval()
x = torch.randn(8, 4)
assert torch.equal(model(x), model(x))  # eval() now turns dropout off
assert torch.equal(model(x), model.fc(x))
# --8<-- [end:fixed]
