"""What eval() really does to BatchNorm.

Claims:
    eval-mode.batchnorm-eval-uses-running-stats: `eval()` does not switch
        BatchNorm off: it normalises with the stored `running_mean` and
        `running_var` (plus the affine weight and bias) instead of the batch's
        own statistics, which it uses in `train()`.
    eval-mode.batchnorm-untracked-ignores-eval: A BatchNorm built with
        `track_running_stats=False` has no running statistics and uses batch
        statistics in `eval()` too, so its output is the same in both modes.
    eval-mode.batchnorm-batch-of-one: Whenever BatchNorm computes batch
        statistics (in `train()`, under `torch.no_grad()` as well, and in
        `eval()` when `track_running_stats=False`) it raises `ValueError` for an
        input with a single value per channel, such as a `(1, C)` batch for
        BatchNorm1d; a batch of one sample with more than one value per channel,
        such as `(1, C, L)` with `L > 1`, works, and so does a tracked
        BatchNorm in `eval()`.

Counter-cases:
    eval-mode.batchnorm-eval-uses-running-stats: `out_eval = bn(x)` -> `out_eval = bn.train()(x)`
    eval-mode.batchnorm-untracked-ignores-eval: `bn = nn.BatchNorm1d(4, track_running_stats=False)` -> `bn = nn.BatchNorm1d(4)`
    eval-mode.batchnorm-batch-of-one: `one = torch.randn(1, 4)  # one sample: a single value per channel` -> `one = torch.randn(2, 4)`
"""

# claim: eval-mode.batchnorm-eval-uses-running-stats
# --8<-- [start:running_stats]
import torch
from torch import nn

torch.manual_seed(0)
bn = nn.BatchNorm1d(4)
for _ in range(20):  # fill the running statistics from a shifted distribution
    bn(torch.randn(32, 4) * 3 + 1)
with torch.no_grad():  # a non-trivial affine transform (the default is 1 and 0)
    bn.weight.fill_(2.0)
    bn.bias.fill_(0.5)
x = torch.randn(8, 4)
running = (x - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
batch = (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + bn.eps) * bn.weight + bn.bias

bn.eval()
out_eval = bn(x)
assert torch.allclose(out_eval, running, atol=1e-5)  # running statistics, affine
assert not torch.allclose(out_eval, batch, atol=1e-2)  # not the batch statistics
assert not torch.allclose(out_eval, x)  # not an identity: BatchNorm is still on

bn.train()
assert torch.allclose(bn(x), batch, atol=1e-5)  # train(): batch statistics
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
one = torch.randn(1, 4)  # one sample: a single value per channel
for context in (torch.enable_grad, torch.no_grad):
    with context():
        try:
            bn(one)
            raise AssertionError("one value per channel accepted in train mode")
        except ValueError as e:
            print(e)
            #> Expected more than 1 value per channel when training, got input size torch.Size([1, 4])
            #> Expected more than 1 value per channel when training, got input size torch.Size([1, 4])
            assert str(e) == ("Expected more than 1 value per channel when training, got input size torch.Size([1, 4])")
        # one sample, but 5 values per channel: batch statistics exist
        assert bn(torch.randn(1, 4, 5)).shape == (1, 4, 5)

bn.eval()
assert bn(one).shape == (1, 4)  # running statistics need no batch

untracked = nn.BatchNorm1d(4, track_running_stats=False).eval()  # equivalent: without running stats both modes use batch statistics
try:
    untracked(one)  # no running statistics: batch statistics even in eval()
    raise AssertionError("one value per channel accepted without running stats")
except ValueError as e:
    assert str(e).startswith("Expected more than 1 value per channel")
# --8<-- [end:batch_of_one]
