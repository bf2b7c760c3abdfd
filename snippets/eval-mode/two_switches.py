"""The module mode and the grad mode are two independent switches.

Claims:
    eval-mode.graph-follows-grad-mode: Whether a forward pass records a graph
        depends only on grad mode: the output has a `grad_fn` in `train()` and
        in `eval()` alike, and has none under `torch.no_grad()` in either mode.
    eval-mode.outputs-follow-module-mode: For the same input and RNG seed, a model
        with Dropout and BatchNorm gives bit-identical outputs with and without
        `torch.no_grad()` in either module mode, and different outputs in
        `train()` and `eval()`.
    eval-mode.running-stats-follow-module-mode: BatchNorm's running statistics
        move in `train()` whether or not `torch.no_grad()` is active, and stay
        untouched in `eval()` whether or not it is.

Counter-cases:
    eval-mode.graph-follows-grad-mode: `if grad_mode == "grad":` -> `if True:`
    eval-mode.outputs-follow-module-mode: `model.train(module_mode == "train")` -> `model.train(True)`
    eval-mode.running-stats-follow-module-mode: `before = model[1].running_mean.clone()` -> `before = model[1].running_mean`
"""

# --8<-- [start:main]
import copy

import torch
from torch import nn

torch.manual_seed(0)
base = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(8, 3))
x = torch.randn(16, 4)

cells = {}
for module_mode in ("train", "eval"):
    for grad_mode in ("grad", "no_grad"):
        model = copy.deepcopy(base)  # same weights, same running statistics
        model.train(module_mode == "train")
        before = model[1].running_mean.clone()
        torch.manual_seed(1)  # same dropout mask wherever dropout is active
        if grad_mode == "grad":
            out = model(x)
        else:
            with torch.no_grad():
                out = model(x)
        cells[module_mode, grad_mode] = {
            "graph": out.grad_fn is not None,
            "out": out,
            "stats_moved": not torch.equal(model[1].running_mean, before),
        }

for (module_mode, grad_mode), cell in cells.items():
    print(f"{module_mode:5} {grad_mode:7} graph: {cell['graph']!s:5} running stats moved: {cell['stats_moved']}")
    #> train grad    graph: True  running stats moved: True
    #> train no_grad graph: False running stats moved: True
    #> eval  grad    graph: True  running stats moved: False
    #> eval  no_grad graph: False running stats moved: False

# claim: eval-mode.graph-follows-grad-mode
assert cells["train", "grad"]["graph"] and cells["eval", "grad"]["graph"]
assert not cells["train", "no_grad"]["graph"] and not cells["eval", "no_grad"]["graph"]

# claim: eval-mode.outputs-follow-module-mode
for mode in ("train", "eval"):
    assert torch.equal(cells[mode, "grad"]["out"], cells[mode, "no_grad"]["out"])
assert not torch.allclose(cells["train", "grad"]["out"], cells["eval", "grad"]["out"])

# claim: eval-mode.running-stats-follow-module-mode
assert cells["train", "grad"]["stats_moved"] and cells["train", "no_grad"]["stats_moved"]
assert not cells["eval", "grad"]["stats_moved"]
assert not cells["eval", "no_grad"]["stats_moved"]
# --8<-- [end:main]
