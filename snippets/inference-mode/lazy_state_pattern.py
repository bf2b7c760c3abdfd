"""State first created during an inference-mode evaluation breaks training.

Claims:
    inference-mode.lazy-state-breaks-training: A module that creates a buffer
        lazily on its first forward and updates it in place afterwards fails at
        the next training step if that first forward ran under
        `torch.inference_mode()` (as an evaluation or sanity check before
        training does), and works if it ran under `torch.no_grad()`.
    inference-mode.existing-state-stays-normal: Parameters and buffers that
        existed before entering inference mode stay normal tensors, even when a
        train-mode forward inside it updates BatchNorm statistics in place, so
        training can continue afterwards.

Counter-cases:
    inference-mode.lazy-state-breaks-training: `self.mean.mul_(0.9).add_(update)  # in place` -> `self.mean = 0.9 * self.mean + update`
    inference-mode.existing-state-stays-normal: `out = model(torch.randn(8, 4))  # train mode: running statistics updated in place` -> `out = model.eval()(torch.randn(8, 4))`
"""

# claim: inference-mode.lazy-state-breaks-training
# --8<-- [start:lazy]
import torch
from torch import nn


class RunningNorm(nn.Module):
    """Normalises by a running mean that is created on the first call."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", None)

    def forward(self, x):
        if self.mean is None:
            self.mean = x.mean(0)  # created by whatever context runs first
        elif self.training:
            update = 0.1 * x.detach().mean(0)  # equivalent: one training step runs either way
            self.mean.mul_(0.9).add_(update)  # in place
        return x - self.mean


def first_evaluation_then_train(evaluation_context):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), RunningNorm())
    with evaluation_context():
        model(torch.randn(8, 4))  # evaluation before training starts
    model(torch.randn(8, 4)).sum().backward()  # first training step


try:
    first_evaluation_then_train(torch.inference_mode)
except RuntimeError as error:
    print(str(error).split(".")[0])
    #> Inplace update to inference tensor outside InferenceMode is not allowed
    assert str(error).startswith("Inplace update to inference tensor outside InferenceMode is not allowed.")

first_evaluation_then_train(torch.no_grad)  # the same code works
# --8<-- [end:lazy]

# claim: inference-mode.existing-state-stays-normal
# --8<-- [start:existing]
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
with torch.inference_mode():
    out = model(torch.randn(8, 4))  # train mode: running statistics updated in place

assert out.is_inference()  # the forward ran in inference mode
bn = model[1]
assert bn.num_batches_tracked.item() == 1  # the update happened
assert not bn.running_mean.is_inference()  # created before: still normal
assert not model[0].weight.is_inference()
model(torch.randn(8, 4)).sum().backward()  # training continues
assert model[0].weight.grad is not None
# --8<-- [end:existing]
