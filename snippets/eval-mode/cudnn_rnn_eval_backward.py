"""On CUDA, cuDNN RNNs refuse backward in eval mode.

Claims:
    eval-mode.cudnn-rnn-eval-backward: On CUDA with cuDNN enabled, `backward()`
        through an `nn.LSTM` that ran in `eval()` raises `RuntimeError` ("cudnn RNN
        backward can only be called in training mode"), while the same backward
        fills `.grad` after a forward in `train()` or in `eval()` under
        `torch.backends.cudnn.flags(enabled=False)`.

Counter-cases:
    eval-mode.cudnn-rnn-eval-backward: `lstm.eval()  # cuDNN's inference mode` -> `lstm.train()`

Requires: cuda
"""

# claim: eval-mode.cudnn-rnn-eval-backward
# --8<-- [start:main]
import torch
from torch import nn

torch.manual_seed(0)
lstm = nn.LSTM(8, 16, batch_first=True).cuda()
x = torch.randn(4, 5, 8, device="cuda", requires_grad=True)  # e.g. an input gradient
assert torch.backends.cudnn.enabled  # the default

lstm.eval()  # cuDNN's inference mode
out, _ = lstm(x)
try:
    out.sum().backward()
except RuntimeError as error:
    assert "cudnn RNN backward can only be called in training mode" in str(error)

with torch.backends.cudnn.flags(enabled=False):  # PyTorch's own LSTM kernels
    out, _ = lstm(x)  # still in eval()
out.sum().backward()
assert x.grad is not None and lstm.weight_ih_l0.grad is not None

lstm.train()  # no dropout in this LSTM, so train() computes the same function
x.grad = None
out, _ = lstm(x)
out.sum().backward()
assert x.grad is not None
# --8<-- [end:main]
