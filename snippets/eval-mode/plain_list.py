"""eval() and train() reach registered submodules only.

Claims:
    eval-mode.plain-list-not-reached: Modules kept in a plain Python list attribute
        are not registered as submodules, so `model.eval()` leaves them in train mode
        (their Dropout keeps dropping) and `model.parameters()` does not list their
        parameters, while the same modules in an `nn.ModuleList` are switched to eval
        mode and listed.

Counter-cases:
    eval-mode.plain-list-not-reached: `self.blocks = [nn.Linear(4, 4), nn.Dropout(0.5)]  # a plain list` -> `self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Dropout(0.5)])`
    eval-mode.plain-list-not-reached: `self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Dropout(0.5)])  # registered` -> `self.blocks = [nn.Linear(4, 4), nn.Dropout(0.5)]`
"""

# claim: eval-mode.plain-list-not-reached
# --8<-- [start:list]
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(4, 4), nn.Dropout(0.5)]  # a plain list

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


torch.manual_seed(0)
model = Net().eval()
x = torch.randn(8, 4)
print(len(list(model.parameters())), [block.training for block in model.blocks])
#> 0 [True, True]
assert not model.training  # the model itself is in eval mode
assert model.blocks[1].training  # eval() did not reach the Dropout
assert not torch.equal(model(x), model(x))  # it still drops
assert list(model.parameters()) == []  # an optimizer would get no parameters
# --8<-- [end:list]

# --8<-- [start:module_list]
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Dropout(0.5)])  # registered

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


torch.manual_seed(0)
model = Net().eval()
x = torch.randn(8, 4)
print(len(list(model.parameters())), [block.training for block in model.blocks])
#> 2 [False, False]
assert not model.blocks[1].training  # eval() reached the Dropout
assert torch.equal(model(x), model(x))  # no dropping in eval mode
assert len(list(model.parameters())) == 2  # the Linear's weight and bias
# --8<-- [end:module_list]
