"""Lightning's evaluation loops run under inference mode by default, and what that breaks.

Claims:
    libraries.lightning-default-inference-mode: `Trainer`'s `inference_mode` parameter
        defaults to `True`, and with a default `Trainer` the steps that `validate`, `test` and
        `predict` call run with `torch.is_inference_mode_enabled()` True and grad mode off:
        a layer's output inside them is an inference tensor without a `grad_fn`.
    libraries.lightning-enable-grad-cannot-undo: Under the default `Trainer`,
        `torch.enable_grad()` inside `validation_step` turns grad mode on but inference mode
        stays on: an input on which `requires_grad_()` was called gives an output that does not
        require grad, and `torch.autograd.grad` of that output with respect to the input raises
        a `RuntimeError` out of `trainer.validate`.
    libraries.lightning-inference-mode-false-no-grad: With `Trainer(inference_mode=False)`,
        `validation_step` runs with grad mode off and inference mode off, and a layer's output
        inside it is a normal tensor without a `grad_fn`.
    libraries.lightning-enable-grad-works-under-no-grad: With `Trainer(inference_mode=False)`,
        `torch.enable_grad()` inside `validation_step` makes `torch.autograd.grad` return the
        gradient of a linear layer's summed output with respect to its input (each row equals
        the column sums of the weight).

Counter-cases:
    libraries.lightning-default-inference-mode: `trainer = L.Trainer(**quiet)  # default inference_mode` -> `trainer = L.Trainer(inference_mode=False, **quiet)`
    libraries.lightning-enable-grad-cannot-undo: `trainer = L.Trainer(**quiet)  # default, gradient in the step` -> `trainer = L.Trainer(inference_mode=False, **quiet)`
    libraries.lightning-inference-mode-false-no-grad: `trainer = L.Trainer(inference_mode=False, **quiet)  # observe` -> `trainer = L.Trainer(**quiet)`
    libraries.lightning-enable-grad-works-under-no-grad: `with torch.enable_grad():  # inside the no_grad step` -> `if True:`

Timeout: 120
"""

# claim: libraries.lightning-default-inference-mode
# --8<-- [start:default]
# Requires: pip install lightning
import tempfile

import lightning as L
import torch


class Probe(L.LightningModule):
    """Records, in each evaluation step, the grad mode and what a layer returns."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 2)
        self.seen = []

    def observe(self, stage, batch):
        (x,) = batch
        out = self.layer(x)
        self.seen.append((stage, torch.is_inference_mode_enabled(), torch.is_grad_enabled(), out.is_inference(), out.grad_fn))
        return out

    def validation_step(self, batch, batch_idx):
        self.observe("validate", batch)

    def test_step(self, batch, batch_idx):
        self.observe("test", batch)

    def predict_step(self, batch, batch_idx):
        return self.observe("predict", batch)


torch.manual_seed(0)
data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(8, 4)), batch_size=8)
model = Probe()
with tempfile.TemporaryDirectory() as folder:
    quiet = dict(logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    quiet.update(accelerator="cpu", devices=1, default_root_dir=folder)
    trainer = L.Trainer(**quiet)  # default inference_mode
    trainer.validate(model, data, verbose=False)
    trainer.test(model, data, verbose=False)
    trainer.predict(model, data)

for stage, inference_mode, grad_mode, inference_tensor, grad_fn in model.seen:
    print(f"{stage}: inference mode {inference_mode}, grad mode {grad_mode}, inference tensor {inference_tensor}, grad_fn {grad_fn}")
#> validate: inference mode True, grad mode False, inference tensor True, grad_fn None
#> test: inference mode True, grad mode False, inference tensor True, grad_fn None
#> predict: inference mode True, grad mode False, inference tensor True, grad_fn None
assert [stage for stage, *_ in model.seen] == ["validate", "test", "predict"]
for stage, inference_mode, grad_mode, inference_tensor, grad_fn in model.seen:
    assert inference_mode and not grad_mode, stage
    assert inference_tensor and grad_fn is None, stage

# The default of Trainer's keyword-only argument (its __init__ is wrapped by a decorator).
default = L.Trainer.__init__.__wrapped__.__kwdefaults__["inference_mode"]
print("inference_mode default:", default)
#> inference_mode default: True
assert default is True
# --8<-- [end:default]

# claim: libraries.lightning-enable-grad-cannot-undo
# --8<-- [start:enable_grad]
# Requires: pip install lightning
import tempfile

import lightning as L
import torch


class InputGradient(L.LightningModule):
    """Asks, inside validation_step, for the gradient of the output with respect to the input."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 2)
        self.seen = []

    def validation_step(self, batch, batch_idx):
        (x,) = batch
        with torch.enable_grad():
            x = x.clone().requires_grad_()  # equivalent: the batch is a leaf: requires_grad_() works on it too; the copy leaves it untouched
            score = self.layer(x).sum()
            self.seen.append((torch.is_inference_mode_enabled(), torch.is_grad_enabled(), x.requires_grad, score.requires_grad))
            (gradient,) = torch.autograd.grad(score, x)
        self.seen.append(gradient)


torch.manual_seed(0)
data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(8, 4)), batch_size=8)
model = InputGradient()
with tempfile.TemporaryDirectory() as folder:
    quiet = dict(logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    quiet.update(accelerator="cpu", devices=1, default_root_dir=folder)
    trainer = L.Trainer(**quiet)  # default, gradient in the step
    try:
        trainer.validate(model, data, verbose=False)
    except RuntimeError as error:
        print(error)
        #> element 0 of tensors does not require grad and does not have a grad_fn
        assert "does not require grad" in str(error)

inference_mode, grad_mode, input_requires_grad, score_requires_grad = model.seen[0]
print(f"inside enable_grad: inference mode {inference_mode}, grad mode {grad_mode}")
#> inside enable_grad: inference mode True, grad mode True
print(f"input requires grad {input_requires_grad}, output requires grad {score_requires_grad}")
#> input requires grad True, output requires grad False
assert inference_mode and grad_mode
assert input_requires_grad and not score_requires_grad
assert len(model.seen) == 1  # the step never got its gradient
# --8<-- [end:enable_grad]

# claim: libraries.lightning-inference-mode-false-no-grad
# --8<-- [start:no_grad]
# Requires: pip install lightning
import tempfile

import lightning as L
import torch


class NoGradProbe(L.LightningModule):
    """Records the grad mode in validation_step, then asks for an input gradient there."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 2)
        self.seen = []

    def validation_step(self, batch, batch_idx):
        (x,) = batch
        out = self.layer(x)
        self.seen.append((torch.is_inference_mode_enabled(), torch.is_grad_enabled(), out.is_inference(), out.grad_fn))
        with torch.enable_grad():  # inside the no_grad step
            x = x.clone().requires_grad_()  # equivalent: the batch is a leaf: requires_grad_() works on it too; the copy leaves it untouched
            score = self.layer(x).sum()
            self.seen.append(torch.autograd.grad(score, x)[0] if score.requires_grad else None)


torch.manual_seed(0)
data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(8, 4)), batch_size=8)
model = NoGradProbe()
with tempfile.TemporaryDirectory() as folder:
    quiet = dict(logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    quiet.update(accelerator="cpu", devices=1, default_root_dir=folder)
    trainer = L.Trainer(inference_mode=False, **quiet)  # observe
    trainer.validate(model, data, verbose=False)

(inference_mode, grad_mode, inference_tensor, grad_fn), gradient = model.seen
print(f"inference mode {inference_mode}, grad mode {grad_mode}, inference tensor {inference_tensor}, grad_fn {grad_fn}")
#> inference mode False, grad mode False, inference tensor False, grad_fn None
assert not inference_mode and not grad_mode
assert not inference_tensor and grad_fn is None

# claim: libraries.lightning-enable-grad-works-under-no-grad
assert gradient is not None
print(gradient[0])
#> tensor([-0.6160,  0.1996, -0.1262, -0.2259])
column_sums = model.layer.weight.detach().sum(dim=0)  # equivalent: only values are compared; detach() keeps grad_fn out of the print
print(column_sums)
#> tensor([-0.6160,  0.1996, -0.1262, -0.2259])
assert gradient.shape == (8, 4)
assert torch.allclose(gradient, column_sums.expand(8, 4))
# --8<-- [end:no_grad]
