"""An inference tensor used later in a recorded computation.

Claims:
    inference-mode.cannot-be-saved-for-backward: A tensor created under
        `torch.inference_mode()` and later used in a recorded operation that must
        save it for backward (here as the input of a Linear layer that requires
        grad) raises a RuntimeError at that operation.
    inference-mode.clone-or-no-grad-fixes-saved: Cloning the inference tensor
        outside inference mode, or producing it under `torch.no_grad()` instead,
        makes the same training step work.
    inference-mode.error-only-when-saved: An inference tensor may still enter a
        recorded operation that does not save it for backward: adding it to a
        tensor that requires grad works and backward succeeds, while multiplying
        by it, which saves it, raises.

Counter-cases:
    inference-mode.cannot-be-saved-for-backward: `with torch.inference_mode():  # features cached here` -> `with torch.no_grad():  # features cached here`
    inference-mode.clone-or-no-grad-fixes-saved: `normal = features.clone()  # outside inference mode: a normal tensor` -> `normal = features  # outside inference mode: a normal tensor`
    inference-mode.error-only-when-saved: `w * offset  # mul saves `offset` to compute the gradient of w` -> `w - offset  # mul saves `offset` to compute the gradient of w`
"""

# claim: inference-mode.cannot-be-saved-for-backward
# --8<-- [start:error]
import torch

torch.manual_seed(0)
encoder = torch.nn.Linear(4, 4)
head = torch.nn.Linear(4, 2)
x = torch.randn(8, 4)

with torch.inference_mode():  # features cached here
    features = encoder(x)  # e.g. features cached during evaluation

try:
    head(features)  # Linear saves its input to compute weight.grad
except RuntimeError as error:
    msg = str(error)  # the wording after the first sentence varies by release
    print(msg.split(". ")[0])
    #> Inference tensors cannot be saved for backward
    assert msg.startswith("Inference tensors cannot be saved for backward.")
    assert "make a clone to get a normal tensor" in msg
# --8<-- [end:error]

# claim: inference-mode.clone-or-no-grad-fixes-saved
# --8<-- [start:clone]
import torch

torch.manual_seed(0)
encoder = torch.nn.Linear(4, 4)
head = torch.nn.Linear(4, 2)
x = torch.randn(8, 4)

with torch.inference_mode():
    features = encoder(x)
assert features.is_inference()
normal = features.clone()  # outside inference mode: a normal tensor
assert not normal.is_inference()
head(normal).sum().backward()
assert head.weight.grad is not None
# --8<-- [end:clone]

# --8<-- [start:no_grad]
import torch

torch.manual_seed(0)
encoder = torch.nn.Linear(4, 4)
head = torch.nn.Linear(4, 2)
x = torch.randn(8, 4)

with torch.no_grad():  # instead of inference_mode
    features = encoder(x)
assert not features.is_inference() and features.grad_fn is None  # a normal tensor, no graph
head(features).sum().backward()
assert head.weight.grad is not None
# --8<-- [end:no_grad]

# claim: inference-mode.error-only-when-saved
# --8<-- [start:add]
import torch

with torch.inference_mode():
    offset = torch.ones(3)
w = torch.zeros(3, requires_grad=True)
(w + offset).sum().backward()  # add does not save its inputs
assert torch.equal(w.grad, torch.ones(3))
try:
    w * offset  # mul saves `offset` to compute the gradient of w
except RuntimeError as error:
    assert str(error).startswith("Inference tensors cannot be saved for backward.")
# --8<-- [end:add]
