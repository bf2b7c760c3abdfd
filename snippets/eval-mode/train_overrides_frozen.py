"""A parent's train() switches a submodule frozen with eval() back to training.

Claims:
    eval-mode.parent-train-overrides-submodule-eval: `model.train()` sets
        `training=True` on every submodule, including one that was put in eval
        mode with `.eval()` earlier, so its BatchNorm statistics move again;
        calling `.eval()` on that submodule after each `model.train()`, or
        overriding the parent's `train()` to do so, keeps it in eval mode.

Counter-cases:
    eval-mode.parent-train-overrides-submodule-eval: `model.backbone.eval()  # again, after model.train()` -> `pass`
    eval-mode.parent-train-overrides-submodule-eval: `self.backbone.eval()  # whatever mode the rest gets` -> `pass`
"""

# claim: eval-mode.parent-train-overrides-submodule-eval
# --8<-- [start:bug]
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential()
model.backbone = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))  # pretrained, to stay frozen
model.head = nn.Linear(8, 2)
model.backbone.eval()  # keep its BatchNorm statistics fixed
model.backbone.requires_grad_(False)  # equivalent: BatchNorm statistics follow the mode, not requires_grad
assert not model.backbone[1].training  # in eval mode, until...

model.train()  # the usual call at the start of each epoch
print(model.backbone.training, model.backbone[1].training)
#> True True
before = model.backbone[1].running_mean.clone()
model(torch.randn(16, 4))
assert model.backbone[1].training  # train() reached the frozen backbone
assert not torch.equal(model.backbone[1].running_mean, before)  # its statistics moved
# --8<-- [end:bug]

# --8<-- [start:reapply]
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential()
model.backbone = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))  # pretrained, to stay frozen
model.head = nn.Linear(8, 2)
model.backbone.requires_grad_(False)  # equivalent: BatchNorm statistics follow the mode, not requires_grad

model.train()  # the usual call at the start of each epoch
model.backbone.eval()  # again, after model.train()
model(torch.randn(16, 4))
assert model.head.training and not model.backbone[1].training
assert torch.equal(model.backbone[1].running_mean, torch.zeros(8))  # statistics stay at their initial zeros
# --8<-- [end:reapply]

# --8<-- [start:override]
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))  # pretrained, to stay frozen
        self.head = nn.Linear(8, 2)
        self.backbone.requires_grad_(False)  # equivalent: BatchNorm statistics follow the mode, not requires_grad

    def train(self, mode=True):
        super().train(mode)  # sets every submodule, the backbone too
        self.backbone.eval()  # whatever mode the rest gets
        return self

    def forward(self, x):
        return self.head(self.backbone(x))


torch.manual_seed(0)
model = Classifier()
model.train()
model(torch.randn(16, 4))
assert model.training and model.head.training and not model.backbone[1].training
assert torch.equal(model.backbone[1].running_mean, torch.zeros(8))  # statistics stay at their initial zeros
# --8<-- [end:override]
