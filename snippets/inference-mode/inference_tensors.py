"""Inference mode records no graph and marks what it creates.

Claims:
    inference-mode.creates-inference-tensors: Inside `torch.inference_mode()`
        grad mode is off and nothing is recorded, and every tensor the snippet
        creates there (each layer's output, a factory result, an arithmetic
        result, a clone and a view of an inference tensor) is an inference
        tensor (`is_inference()` is True), while a view of a normal tensor
        taken there stays normal and the same code under `torch.no_grad()`
        creates only normal tensors.
    inference-mode.does-not-set-eval: `torch.inference_mode()` leaves every
        module's `training` flag alone, so Dropout still drops inside it unless
        `model.eval()` is called.

Counter-cases:
    inference-mode.creates-inference-tensors: `created, view_of_normal, model = run(torch.inference_mode)  # the mode under test` -> `created, view_of_normal, model = run(torch.no_grad)  # the mode under test`
    inference-mode.creates-inference-tensors: `view_of_normal = x[:2]  # a view of a normal tensor` -> `view_of_normal = x[:2].clone()  # a view of a normal tensor`
    inference-mode.does-not-set-eval: `model.eval()  # only this switches Dropout off` -> `pass  # only this switches Dropout off`
"""

# claim: inference-mode.creates-inference-tensors
# --8<-- [start:main]
import torch


def run(context):
    """Every tensor created inside `context`, by name."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    x = torch.randn(3, 4)
    created = {}
    for name, layer in model.named_children():  # record each layer's output
        layer.register_forward_hook(lambda m, inp, out, name=name: created.update({f"layer {name}": out}))
    with context():
        assert not torch.is_grad_enabled()
        out = model(x)
        created["output"] = out
        created["factory"] = torch.zeros(2)
        created["arithmetic"] = out * 2 + 1
        created["clone"] = x.clone()
        created["view of new"] = out[0]
        view_of_normal = x[:2]  # a view of a normal tensor
    return created, view_of_normal, model


created, view_of_normal, model = run(torch.inference_mode)  # the mode under test
print({name: t.is_inference() for name, t in created.items()})
#> {'layer 0': True, 'layer 1': True, 'layer 2': True, 'output': True, 'factory': True, 'arithmetic': True, 'clone': True, 'view of new': True}
assert all(t.is_inference() for t in created.values())  # every new tensor is marked
assert all(t.grad_fn is None and not t.requires_grad for t in created.values())  # nothing recorded
assert not view_of_normal.is_inference()  # views of normal tensors stay normal
assert not model[0].weight.is_inference()  # tensors created earlier stay normal

normal, _, _ = run(torch.no_grad)
assert not any(t.is_inference() for t in normal.values())  # no_grad: all normal
assert torch.equal(created["output"], normal["output"])  # same values
# --8<-- [end:main]

# claim: inference-mode.does-not-set-eval
# --8<-- [start:eval]
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))
x = torch.randn(8, 4)
with torch.inference_mode():
    assert torch.is_inference_mode_enabled()
    print(model.training)
    #> True
    assert model.training  # untouched
    assert not torch.equal(model(x), model(x))  # dropout still active
    model.eval()  # only this switches Dropout off
    assert torch.equal(model(x), model(x))
# --8<-- [end:eval]
