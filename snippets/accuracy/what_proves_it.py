"""Three checks that do show whether an evaluation pass is being recorded.

Claims:
    accuracy.checks-that-prove: Inside the evaluation code, `torch.is_grad_enabled()` is
        `False`, the output has `grad_fn is None`, and a saved-tensors hook sees no tensor
        under `no_grad`; without it, all three checks give the opposite answer.

Counter-cases:
    accuracy.checks-that-prove: `with torch.no_grad():` -> `with torch.enable_grad():`
    accuracy.checks-that-prove: `return torch.is_grad_enabled(), model(inputs)  # no no_grad` -> `return torch.is_grad_enabled(), model(inputs).detach()`
"""

# --8<-- [start:without]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
inputs = torch.randn(8, 4)


def probe(evaluate):
    """Run evaluate() and report (grad mode inside, output grad_fn, tensors saved)."""
    saved = []

    def pack(t):
        saved.append(t.shape)
        return t.detach()  # equivalent: nothing here checks when the graph is freed; never return t itself

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        grad_mode, out = evaluate()
    return grad_mode, out.grad_fn, len(saved)


def evaluate_without():
    return torch.is_grad_enabled(), model(inputs)  # no no_grad


grad_mode, grad_fn, n_saved = probe(evaluate_without)
print(grad_mode, type(grad_fn).__name__, n_saved)
#> True AddmmBackward0 4
assert grad_mode is True
assert grad_fn is not None
assert n_saved > 0
# --8<-- [end:without]

# --8<-- [start:with]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
inputs = torch.randn(8, 4)


def probe(evaluate):
    """Run evaluate() and report (grad mode inside, output grad_fn, tensors saved)."""
    saved = []

    def pack(t):
        saved.append(t.shape)
        return t.detach()  # equivalent: never called under no_grad; never return t itself

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        grad_mode, out = evaluate()
    return grad_mode, out.grad_fn, len(saved)


def evaluate_with():
    with torch.no_grad():
        return torch.is_grad_enabled(), model(inputs)


grad_mode, grad_fn, n_saved = probe(evaluate_with)
print(grad_mode, grad_fn, n_saved)
#> False None 0
assert grad_mode is False
assert grad_fn is None
assert n_saved == 0
# --8<-- [end:with]
