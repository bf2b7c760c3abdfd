"""Inference mode is thread-local.

Claims:
    inference-mode.thread-local: A thread started inside
        `torch.inference_mode()` runs with inference mode off and grad mode on,
        and the tensors it creates are normal tensors.

Counter-cases:
    inference-mode.thread-local: `t = threading.Thread(target=worker)` -> `t = threading.Thread(target=lambda: torch.inference_mode()(worker)())`
"""

# --8<-- [start:main]
import threading

import torch

seen = {}


def worker():
    seen["inference"] = torch.is_inference_mode_enabled()
    seen["grad"] = torch.is_grad_enabled()
    seen["tensor_is_inference"] = torch.ones(1).is_inference()


with torch.inference_mode():
    assert torch.is_inference_mode_enabled()  # on in this thread
    t = threading.Thread(target=worker)
    t.start()
    t.join()

print(seen)
#> {'inference': False, 'grad': True, 'tensor_is_inference': False}
assert seen == {"inference": False, "grad": True, "tensor_is_inference": False}
# --8<-- [end:main]
