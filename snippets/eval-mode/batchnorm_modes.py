"""What eval() really does to BatchNorm.

Claims:
    eval-mode.batchnorm-eval-uses-running-stats: `eval()` does not switch
        BatchNorm off: it normalises with the stored `running_mean` and
        `running_var` (plus the affine weight and bias) instead of the batch's
        own statistics, which it uses in `train()`.
    eval-mode.batchnorm-untracked-ignores-eval: A BatchNorm built with
        `track_running_stats=False` has no running statistics and uses batch
        statistics in `eval()` too, so its output is the same in both modes.
    eval-mode.batchnorm-batch-of-one: In `train()`, a BatchNorm1d given a batch
        of one sample raises `ValueError`, under `torch.no_grad()` as well; in
        `eval()` the same call works.
"""

# claim: eval-mode.batchnorm-eval-uses-running-stats
# --8<-- [start:running_stats]
import torch
from torch import nn

torch.manual_seed(0)
bn = nn.BatchNorm1d(4)
for _ in range(20):  # fill the running statistics from a shifted distribution
    bn(torch.randn(32, 4) * 3 + 1)
x = torch.randn(8, 4)

bn.eval()
out_eval = bn(x)
by_hand = (x - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
assert torch.allclose(out_eval, by_hand, atol=1e-6)  # running statistics
assert not torch.allclose(out_eval, x)  # not an identity: BatchNorm is still on

bn.train()
batch = (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + bn.eps)
assert torch.allclose(bn(x), batch * bn.weight + bn.bias, atol=1e-5)  # batch stats
# --8<-- [end:running_stats]

# claim: eval-mode.batchnorm-untracked-ignores-eval
# --8<-- [start:untracked]
import torch
from torch import nn

torch.manual_seed(0)
bn = nn.BatchNorm1d(4, track_running_stats=False)
assert bn.running_mean is None and bn.running_var is None
x = torch.randn(8, 4)
assert torch.equal(bn.train()(x), bn.eval()(x))  # eval() changes nothing here
# --8<-- [end:untracked]

# claim: eval-mode.batchnorm-batch-of-one
# --8<-- [start:batch_of_one]
import torch
from torch import nn

bn = nn.BatchNorm1d(4)  # train mode
one = torch.randn(1, 4)
for context in (torch.enable_grad, torch.no_grad):
    with context():
        try:
            bn(one)
            raise AssertionError("batch of one accepted in train mode")
        except ValueError as e:
            assert str(e) == (
                "Expected more than 1 value per channel when training, "
                "got input size torch.Size([1, 4])"
            )

bn.eval()
assert bn(one).shape == (1, 4)  # running statistics need no batch
# --8<-- [end:batch_of_one]
