"""eval() is not a determinism switch.

Claims:
    eval-mode.eval-is-not-determinism: `model.eval()` leaves the random number
        generator's state unchanged, and a `forward` that draws random numbers
        itself gives a different output on every call in eval mode, even with
        `torch.use_deterministic_algorithms(True)`; only reseeding repeats it.

Counter-cases:
    eval-mode.eval-is-not-determinism: `return h + 0.1 * torch.randn_like(h)  # e.g. a sampling step` -> `return h`
    eval-mode.eval-is-not-determinism: `torch.manual_seed(1)  # the same seed again` -> `torch.manual_seed(2)`
"""

# --8<-- [start:main]
import torch
from torch import nn


class NoisyEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        h = self.fc(x)
        return h + 0.1 * torch.randn_like(h)  # e.g. a sampling step


torch.manual_seed(0)
model = NoisyEncoder()
x = torch.randn(2, 4)
rng = torch.get_rng_state()
model.eval()
assert not model.training  # in eval mode from here on
assert torch.equal(torch.get_rng_state(), rng)  # eval() did not touch the generator

torch.use_deterministic_algorithms(True)  # repeatable kernels, not repeated random draws
try:
    assert not torch.equal(model(x), model(x))  # still a new draw on every call

    torch.manual_seed(1)
    a = model(x)
    torch.manual_seed(1)  # the same seed again
    assert torch.equal(a, model(x))  # reseeding repeats the draw (on CPU)
finally:
    torch.use_deterministic_algorithms(False)
# --8<-- [end:main]
