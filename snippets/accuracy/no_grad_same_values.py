"""no_grad changes what is recorded, not what is computed.

Claims:
    accuracy.no-grad-same-values: The logits computed with and without `torch.no_grad()`
        are bitwise equal (CPU, this model), so predictions and accuracy are the same; only
        the graph differs.

Counter-cases:
    accuracy.no-grad-same-values: `with torch.no_grad():` -> `with torch.enable_grad():`
    accuracy.no-grad-same-values: `recorded = model(inputs)` -> `recorded = model(inputs + 1e-3)`
"""

# --8<-- [start:main]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
inputs = torch.randn(32, 4)

recorded = model(inputs)
with torch.no_grad():
    not_recorded = model(inputs)

print(torch.equal(recorded, not_recorded), type(recorded.grad_fn).__name__, not_recorded.grad_fn)
#> True AddmmBackward0 None
assert torch.equal(recorded, not_recorded)  # bitwise equal values
assert recorded.grad_fn is not None and not_recorded.grad_fn is None
# --8<-- [end:main]
