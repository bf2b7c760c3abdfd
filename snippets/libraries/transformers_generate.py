"""transformers: generate() records no graph, a direct call does; from_pretrained sets eval mode.

Claims:
    libraries.transformers-generate-records-nothing: `model.generate(...)` runs the model's
        forward passes with grad mode off, also when it is called inside `torch.enable_grad()`:
        a forward hook sees `torch.is_grad_enabled()` False and logits without a `grad_fn` at
        every step, and the logits that `generate` returns have no `grad_fn`.
    libraries.transformers-forward-records-graph: Calling the same model directly, after
        `model.eval()` and outside `torch.no_grad()`, returns logits with a `grad_fn`.
    libraries.transformers-from-config-train-mode: A model built from a config
        (`GPT2LMHeadModel(config)`) is in training mode: dropout is active and two forward
        passes on the same input return different logits.
    libraries.transformers-from-pretrained-eval-mode: `from_pretrained` on a folder written
        by `save_pretrained` returns the model with every module in eval mode: two forward
        passes return the same logits, equal to the original model's after `eval()`.

Counter-cases:
    libraries.transformers-generate-records-nothing: `out = model.generate(ids, **settings)  # grad mode` -> `out = type(model).generate.__wrapped__.__wrapped__.__wrapped__(model, ids, **settings)`
    libraries.transformers-generate-records-nothing: `model.generate(ids, **settings)  # inside enable_grad` -> `type(model).generate.__wrapped__.__wrapped__.__wrapped__(model, ids, **settings)`
    libraries.transformers-forward-records-graph: `logits = model(ids).logits  # direct call` -> `logits = model(ids).logits.detach()`
    libraries.transformers-from-config-train-mode: `model = GPT2LMHeadModel(config)  # from a config` -> `model = GPT2LMHeadModel(config).eval()`
    libraries.transformers-from-pretrained-eval-mode: `loaded = GPT2LMHeadModel.from_pretrained(folder)` -> `loaded = GPT2LMHeadModel.from_pretrained(folder).train()`

Timeout: 120
"""

# claim: libraries.transformers-generate-records-nothing
# --8<-- [start:generate]
# Requires: pip install transformers
import os

os.environ["HF_HUB_OFFLINE"] = "1"  # never reach the Hub: the model is built from a config

import torch
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.utils import logging

logging.disable_progress_bar()  # no loading progress bar (nor the thread tqdm starts for it)
torch.manual_seed(0)
config = GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=50, n_positions=32, bos_token_id=1, eos_token_id=2)
model = GPT2LMHeadModel(config).eval()  # equivalent: generate's grad mode does not depend on the module mode
ids = torch.tensor([[5, 6, 7]])
settings = dict(attention_mask=torch.ones_like(ids), max_new_tokens=3, do_sample=False, pad_token_id=0)
settings.update(return_dict_in_generate=True, output_logits=True)

seen = []  # (grad mode, logits.grad_fn) at each forward pass


def record(module, args, output):
    seen.append((torch.is_grad_enabled(), output.logits.grad_fn))


model.register_forward_hook(record)
out = model.generate(ids, **settings)  # grad mode
print(out.sequences)
#> tensor([[5, 6, 7, 7, 7, 7]])
print(seen)
#> [(False, None), (False, None), (False, None)]
assert len(seen) == 3 and all(not grad and grad_fn is None for grad, grad_fn in seen)
assert all(step.grad_fn is None for step in out.logits)

seen.clear()
with torch.enable_grad():  # equivalent: generate turns grad mode off whatever mode surrounds it
    model.generate(ids, **settings)  # inside enable_grad
print(seen)
#> [(False, None), (False, None), (False, None)]
assert len(seen) == 3 and all(not grad and grad_fn is None for grad, grad_fn in seen)
# --8<-- [end:generate]

# claim: libraries.transformers-forward-records-graph
# --8<-- [start:direct]
# Requires: pip install transformers
import os

os.environ["HF_HUB_OFFLINE"] = "1"  # never reach the Hub: the model is built from a config

import torch
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.utils import logging

logging.disable_progress_bar()  # no loading progress bar (nor the thread tqdm starts for it)
torch.manual_seed(0)
config = GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=50, n_positions=32, bos_token_id=1, eos_token_id=2)
model = GPT2LMHeadModel(config).eval()  # equivalent: recording a graph does not depend on the module mode
ids = torch.tensor([[5, 6, 7]])

logits = model(ids).logits  # direct call
print(type(logits.grad_fn).__name__)
#> UnsafeViewBackward0
assert logits.grad_fn is not None and logits.requires_grad
# --8<-- [end:direct]

# claim: libraries.transformers-from-config-train-mode
# --8<-- [start:pretrained]
# Requires: pip install transformers
import os
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"  # from_pretrained reads a local folder, never the Hub

import torch
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.utils import logging

logging.disable_progress_bar()  # no loading progress bar (nor the thread tqdm starts for it)
torch.manual_seed(0)
config = GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=50, n_positions=32, bos_token_id=1, eos_token_id=2)
model = GPT2LMHeadModel(config)  # from a config
ids = torch.tensor([[5, 6, 7]])

with torch.no_grad():  # equivalent: grad mode changes no value; only the module mode does
    first, second = model(ids).logits, model(ids).logits
print(model.training, torch.equal(first, second))
#> True False
assert model.training
assert not torch.equal(first, second)

# claim: libraries.transformers-from-pretrained-eval-mode
with tempfile.TemporaryDirectory() as folder:
    model.save_pretrained(folder)
    loaded = GPT2LMHeadModel.from_pretrained(folder)

with torch.no_grad():  # equivalent: grad mode changes no value; only the module mode does
    first, second = loaded(ids).logits, loaded(ids).logits
    reference = model.eval()(ids).logits
print(loaded.training, torch.equal(first, second), torch.equal(first, reference))
#> False True True
assert not any(module.training for module in loaded.modules())
assert torch.equal(first, second) and torch.equal(first, reference)
# --8<-- [end:pretrained]
