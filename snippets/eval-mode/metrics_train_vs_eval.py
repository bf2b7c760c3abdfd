"""no_grad leaves every metric bit-identical; eval() changes them.

Claims:
    eval-mode.metrics-identical-under-no-grad: In eval mode, the logits,
        predictions, accuracy, precision, recall and confusion matrix computed
        with and without `torch.no_grad()` are bit-identical.
    eval-mode.metrics-change-with-module-mode: For a model with Dropout and
        BatchNorm, evaluating the same data in `train()` instead of `eval()`
        changes at least 10% of the predictions and the confusion matrix, for
        each of five dropout seeds tried, and moves BatchNorm's running
        statistics.

Counter-cases:
    eval-mode.metrics-identical-under-no-grad: `logits_nograd = model(x_val)  # records nothing` -> `logits_nograd = model.train()(x_val)`
    eval-mode.metrics-change-with-module-mode: `model.train()  # Dropout active, BatchNorm uses batch statistics` -> `model.eval()`
"""

# claim: eval-mode.metrics-identical-under-no-grad
# --8<-- [start:no_grad]
import torch
from torch import nn

torch.manual_seed(0)
centers = torch.randn(3, 8)
labels = torch.randint(0, 3, (600,))
inputs = centers[labels] + 1.5 * torch.randn(600, 8)
x_train, y_train, x_val, y_val = inputs[:400], labels[:400], inputs[400:], labels[400:]

model = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(32, 3))
for _ in range(30):  # a short training run (plain SGD), in train mode
    model.zero_grad()
    nn.functional.cross_entropy(model(x_train), y_train).backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad


def metrics(logits, target, num_classes=3):
    """Accuracy, macro precision, macro recall and the confusion matrix."""
    pred = logits.argmax(dim=1)
    confusion = torch.bincount(target * num_classes + pred, minlength=num_classes**2).reshape(
        num_classes, num_classes
    )  # rows: true class, columns: predicted
    tp = confusion.diag().float()
    return {
        "accuracy": (pred == target).float().mean(),
        "precision": (tp / confusion.sum(0).clamp(min=1)).mean(),
        "recall": (tp / confusion.sum(1).clamp(min=1)).mean(),
        "confusion": confusion,
    }


model.eval()
logits_grad = model(x_val)  # records a graph
with torch.no_grad():
    logits_nograd = model(x_val)  # records nothing

assert logits_grad.grad_fn is not None and logits_nograd.grad_fn is None
assert torch.equal(logits_grad.detach(), logits_nograd)  # bit-identical
m_grad = metrics(logits_grad.detach(), y_val)  # equivalent: metrics start with argmax, which records nothing
m_nograd = metrics(logits_nograd, y_val)
for name in m_grad:
    assert torch.equal(m_grad[name], m_nograd[name]), name
# --8<-- [end:no_grad]

# claim: eval-mode.metrics-change-with-module-mode
# --8<-- [start:train_vs_eval]
import torch
from torch import nn

torch.manual_seed(0)
centers = torch.randn(3, 8)
labels = torch.randint(0, 3, (600,))
inputs = centers[labels] + 1.5 * torch.randn(600, 8)
x_train, y_train, x_val, y_val = inputs[:400], labels[:400], inputs[400:], labels[400:]

model = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(32, 3))
for _ in range(30):  # a short training run (plain SGD), in train mode
    model.zero_grad()
    nn.functional.cross_entropy(model(x_train), y_train).backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad


def metrics(logits, target, num_classes=3):
    """Accuracy, macro precision, macro recall and the confusion matrix."""
    pred = logits.argmax(dim=1)
    confusion = torch.bincount(target * num_classes + pred, minlength=num_classes**2).reshape(
        num_classes, num_classes
    )  # rows: true class, columns: predicted
    tp = confusion.diag().float()
    return {
        "accuracy": (pred == target).float().mean(),
        "precision": (tp / confusion.sum(0).clamp(min=1)).mean(),
        "recall": (tp / confusion.sum(1).clamp(min=1)).mean(),
        "confusion": confusion,
    }


model.eval()
with torch.no_grad():  # equivalent: grad mode changes no value (first section)
    pred_eval = model(x_val).argmax(dim=1)
    m_eval = metrics(model(x_val), y_val)
    assert torch.equal(model(x_val), model(x_val))  # eval mode: no dropout draw, repeatable

bn = model[1]
for seed in range(5):  # not a lucky draw: every dropout seed tried differs
    stats_before = bn.running_mean.clone()
    model.train()  # Dropout active, BatchNorm uses batch statistics
    torch.manual_seed(seed)
    with torch.no_grad():  # equivalent: grad mode changes no value (first section)
        logits_train = model(x_val)
    pred_train = logits_train.argmax(dim=1)
    assert (pred_train != pred_eval).sum() >= 20  # at least 10% of 200 samples
    m_train = metrics(logits_train, y_val)
    assert not torch.equal(m_train["confusion"], m_eval["confusion"])
    assert not torch.equal(bn.running_mean, stats_before)  # validation leaked in
# --8<-- [end:train_vs_eval]
