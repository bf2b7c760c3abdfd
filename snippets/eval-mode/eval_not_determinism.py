"""eval() is not a determinism switch.

Claims:
    eval-mode.eval-is-not-determinism: `model.eval()` does not enable
        `torch.use_deterministic_algorithms` and does not touch the random
        number generator: random operations a `forward` makes itself still vary
        between calls in eval mode.
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
assert torch.equal(torch.get_rng_state(), rng)  # the generator is untouched
assert not torch.are_deterministic_algorithms_enabled()  # and no global switch
assert not torch.equal(model(x), model(x))  # eval() did not make this repeatable

torch.manual_seed(1)
a = model(x)
torch.manual_seed(1)
assert torch.equal(a, model(x))  # a fixed seed does (on CPU)
# --8<-- [end:main]
