"""PyTorch's own update_bn runs train mode under no_grad.

Claims:
    eval-mode.update-bn-train-under-no-grad: `torch.optim.swa_utils.update_bn`
        is PyTorch's own case of `train()` inside `torch.no_grad()`: it
        recomputes BatchNorm running statistics from the data, saves no tensor
        for backward, and puts the model back in the mode it found it.

Counter-cases:
    eval-mode.update-bn-train-under-no-grad: `model = nn.Sequential(nn.BatchNorm1d(3)).eval()` -> `model = nn.Sequential(nn.BatchNorm1d(3)).train()`
"""

# --8<-- [start:main]
import torch
from torch import nn
from torch.optim.swa_utils import update_bn

torch.manual_seed(0)
model = nn.Sequential(nn.BatchNorm1d(3)).eval()
data = torch.randn(64, 3) * 2 + 5
loader = [data[:32], data[32:]]

saved = []


def pack(t):
    saved.append(t.shape)  # note what autograd would save for backward
    return t.detach()  # equivalent: the hook is never called here: update_bn saves nothing


with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    update_bn(loader, model)

print(saved, model.training)
#> [] False
assert saved == []  # no tensor saved for backward: no graph built
assert not model.training  # the eval mode it found is restored
assert torch.allclose(model[0].running_mean, data.mean(0), atol=1e-5)
# --8<-- [end:main]
