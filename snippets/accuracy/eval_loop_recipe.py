"""A correct evaluation loop: eval mode, no graph, Python-number metrics, mode restored.

Claims:
    accuracy.eval-loop-recipe: Over batches of unequal size, the recipe returns Python
        floats that match a one-shot reference computed in eval mode, makes autograd save no
        tensor, leaves grad mode enabled and the model back in training mode afterwards, and
        returns identical numbers when run with `torch.inference_mode` instead of
        `torch.no_grad`.

Counter-cases:
    accuracy.eval-loop-recipe: `with grad_context():` -> `if True:`
    accuracy.eval-loop-recipe: `model.train(was_training)` -> `pass`
    accuracy.eval-loop-recipe: `model.eval()` -> `pass`
"""

# --8<-- [start:recipe]
import torch


def evaluate(model, loader, grad_context=torch.no_grad):
    """Mean loss and accuracy over loader; grad_context may be torch.inference_mode."""
    was_training = model.training
    model.eval()  # dropout off, batch norm uses its running statistics
    total_loss, correct, count = 0.0, 0, 0
    try:
        with grad_context():  # nothing recorded, nothing saved for backward
            for inputs, targets in loader:
                logits = model(inputs)
                total_loss += torch.nn.functional.cross_entropy(logits, targets, reduction="sum").item()
                correct += (logits.argmax(dim=1) == targets).sum().item()
                count += targets.numel()
    finally:
        model.train(was_training)  # back to the mode the caller had
    return total_loss / count, correct / count


torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Dropout(0.5), torch.nn.Linear(16, 3))
loader = [(torch.randn(n, 4), torch.randint(0, 3, (n,))) for n in (16, 16, 16, 10)]
loss, acc = evaluate(model, loader)
print(f"loss {loss:.4f}, accuracy {acc:.4f} = {round(acc * 58)}/58")
#> loss 1.1041, accuracy 0.4483 = 26/58
assert type(loss) is float and type(acc) is float
assert evaluate(model, loader) == (loss, acc)  # dropout off: the same numbers every time
# --8<-- [end:recipe]

# --8<-- [start:check]
import torch


def evaluate(model, loader, grad_context=torch.no_grad):
    """The recipe above, unchanged."""
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    try:
        with grad_context():
            for inputs, targets in loader:
                logits = model(inputs)
                total_loss += torch.nn.functional.cross_entropy(logits, targets, reduction="sum").item()
                correct += (logits.argmax(dim=1) == targets).sum().item()
                count += targets.numel()
    finally:
        model.train(was_training)
    return total_loss / count, correct / count


torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(4, 16), torch.nn.Dropout(0.5), torch.nn.Linear(16, 3)
)  # a freshly built module is in training mode
loader = [(torch.randn(n, 4), torch.randint(0, 3, (n,))) for n in (16, 16, 16, 10)]

n_saved = 0


def pack(t):
    global n_saved
    n_saved += 1
    return t.detach()  # equivalent: never called here (n_saved == 0); never return t itself


with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    loss, acc = evaluate(model, loader)

print(n_saved, torch.is_grad_enabled(), model.training)
#> 0 True True
assert n_saved == 0
assert torch.is_grad_enabled() and model.training
assert type(loss) is float and type(acc) is float

# reference: all batches at once, in eval mode
model.eval()  # the reference is computed in eval mode too
inputs = torch.cat([x for x, _ in loader])
targets = torch.cat([y for _, y in loader])
ref_logits = model(inputs)  # a reference: grad mode does not change the values
ref_loss = torch.nn.functional.cross_entropy(ref_logits, targets)
ref_correct = (ref_logits.argmax(dim=1) == targets).sum()
model.train()
print(f"{acc:.4f} {ref_correct.item()}/58, loss {loss:.4f} vs {ref_loss.item():.4f}")
#> 0.4483 26/58, loss 1.1041 vs 1.1041
assert acc == ref_correct.item() / 58  # batches of 16, 16, 16 and 10 samples
assert abs(loss - ref_loss.item()) < 1e-6

assert evaluate(model, loader, torch.inference_mode) == (loss, acc)
assert model.training  # back in training mode after this call too
# --8<-- [end:check]
