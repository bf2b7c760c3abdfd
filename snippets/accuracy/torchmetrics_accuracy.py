"""Accumulating accuracy with torchmetrics: mind the default average.

Claims:
    accuracy.torchmetrics-micro: `torchmetrics`' `MulticlassAccuracy` averages per class by
        default (`average="macro"`), so on predictions with 4 of 6 right but classes 1 and
        2 always wrong it gives 1/3 where correct/total is 2/3; `average="micro"` gives
        correct/total, also when accumulated batch by batch in an evaluation loop.

Counter-cases:
    accuracy.torchmetrics-micro: `micro = MulticlassAccuracy(num_classes=3, average="micro")` -> `micro = MulticlassAccuracy(num_classes=3)`
    accuracy.torchmetrics-micro: `metric = MulticlassAccuracy(num_classes=3, average="micro")  # correct / total` -> `metric = MulticlassAccuracy(num_classes=3)`
"""

# --8<-- [start:average]
# Requires: pip install torchmetrics
import torch
from torchmetrics.classification import MulticlassAccuracy

preds = torch.tensor([0, 0, 0, 0, 1, 2])
target = torch.tensor([0, 0, 0, 0, 2, 1])  # 4 of 6 right, but classes 1 and 2 all wrong

macro = MulticlassAccuracy(num_classes=3)  # default: average="macro"
micro = MulticlassAccuracy(num_classes=3, average="micro")
print(macro.average, macro(preds, target), micro(preds, target))
#> macro tensor(0.3333) tensor(0.6667)
assert macro.average == "macro"
assert torch.isclose(macro(preds, target), torch.tensor(1 / 3))
assert torch.isclose(micro(preds, target), torch.tensor(4 / 6))
# --8<-- [end:average]

# --8<-- [start:loop]
# Requires: pip install torchmetrics
import torch
from torchmetrics.classification import MulticlassAccuracy

torch.manual_seed(0)
model = torch.nn.Linear(4, 3)
loader = [(torch.randn(16, 4), torch.randint(0, 3, (16,))) for _ in range(4)]

metric = MulticlassAccuracy(num_classes=3, average="micro")  # correct / total
correct = 0
with torch.no_grad():  # the metric cannot stop the forward pass from being recorded
    for inputs, targets in loader:
        logits = model(inputs)
        pred = logits.argmax(dim=1)
        metric.update(pred, targets)
        correct += (pred == targets).sum().item()  # equivalent: a tensor count compares the same

result = metric.compute()
print(result, f"{correct}/64")
#> tensor(0.3594) 23/64
assert logits.grad_fn is None  # the forward pass was not recorded
assert result.grad_fn is None
assert torch.isclose(result, torch.tensor(correct / 64))
metric.reset()  # before the next epoch
# --8<-- [end:loop]
