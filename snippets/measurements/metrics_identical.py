"""Evaluation metrics do not depend on no_grad, but they do depend on train()/eval().

Claims:
    measurements.metrics-identical-with-no-grad: In `eval()` mode, the logits of a
        classifier with Dropout and BatchNorm are bitwise equal with and without
        `torch.no_grad()`, so its accuracy, precision, recall and confusion matrix are identical.
    measurements.train-mode-changes-metrics: The same classifier evaluated in `train()`
        mode gives different predictions and metrics, and a `train()`-mode forward pass
        updates BatchNorm's running statistics even under `torch.no_grad()`.

Counter-cases:
    measurements.metrics-identical-with-no-grad: `model.eval()  # both passes in eval mode` -> `model.train()`
    measurements.train-mode-changes-metrics: `model.train()` -> `model.eval()`
"""

# --8<-- [start:main]
import torch
from torch import nn

torch.set_num_threads(1)  # tiny tensors: extra threads only add contention
torch.manual_seed(0)
k, dim = 3, 20
centers = torch.randn(k, dim) * 1.2
y_train, y_test = torch.randint(0, k, (600,)), torch.randint(0, k, (300,))
x_train = centers[y_train] + 2.0 * torch.randn(600, dim)
x_test = centers[y_test] + 2.0 * torch.randn(300, dim)

model = nn.Sequential(nn.Linear(dim, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, k))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(40):
    opt.zero_grad()
    nn.functional.cross_entropy(model(x_train), y_train).backward()
    opt.step()


def evaluate(no_grad):
    """Logits over the test set in mini-batches of 20, as an evaluation loop would."""
    with torch.set_grad_enabled(not no_grad):
        return torch.cat([model(xb) for xb in x_test.split(20)])


def metrics(logits):
    pred = logits.argmax(dim=1)
    cm = torch.bincount(y_test * k + pred, minlength=k * k).reshape(k, k)  # rows: truth
    tp = cm.diag().double()
    return {
        "accuracy": (tp.sum() / cm.sum()).item(),  # equivalent: 0-dim tensors compare the same
        "precision": (tp / cm.sum(0).clamp(min=1)).mean().item(),  # equivalent: as above
        "recall": (tp / cm.sum(1).clamp(min=1)).mean().item(),  # equivalent: as above
        "confusion": cm.tolist(),
    }


# claim: measurements.metrics-identical-with-no-grad
model.eval()  # both passes in eval mode
with_graph, without_graph = evaluate(no_grad=False), evaluate(no_grad=True)
assert with_graph.grad_fn is not None and without_graph.grad_fn is None
assert torch.equal(with_graph.detach(), without_graph)
assert metrics(with_graph) == metrics(without_graph)

# claim: measurements.train-mode-changes-metrics
running_mean = model[1].running_mean.clone()
model.train()
train_logits = evaluate(no_grad=True)
assert not torch.equal(train_logits.argmax(1), without_graph.argmax(1))
assert metrics(train_logits) != metrics(without_graph)
assert not torch.equal(model[1].running_mean, running_mean)  # no_grad did not stop this
# --8<-- [end:main]
