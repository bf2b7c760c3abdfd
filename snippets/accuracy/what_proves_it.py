"""Three checks that do show whether an evaluation pass is being recorded.

Claims:
    accuracy.checks-that-prove: Inside the evaluation code, `torch.is_grad_enabled()` is
        `False`, the output has `grad_fn is None`, and a saved-tensors hook sees no tensor
        under `no_grad`; without it, all three checks give the opposite answer.
"""

# --8<-- [start:setup]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
inputs = torch.randn(8, 4)


def probe(evaluate):
    """Run evaluate() and report (grad mode inside, output grad_fn, tensors saved)."""
    saved = []

    def pack(t):
        saved.append(t.shape)
        return t.detach()

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        grad_mode, out = evaluate()
    return grad_mode, out.grad_fn, len(saved)


# --8<-- [end:setup]


# --8<-- [start:without]
def evaluate_without():
    return torch.is_grad_enabled(), model(inputs)


grad_mode, grad_fn, n_saved = probe(evaluate_without)
assert grad_mode is True
assert grad_fn is not None
assert n_saved > 0
# --8<-- [end:without]


# --8<-- [start:with]
def evaluate_with():
    with torch.no_grad():
        return torch.is_grad_enabled(), model(inputs)


grad_mode, grad_fn, n_saved = probe(evaluate_with)
assert grad_mode is False
assert grad_fn is None
assert n_saved == 0
# --8<-- [end:with]
