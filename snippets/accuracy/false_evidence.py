"""`param.grad` and `inputs.requires_grad` cannot tell whether a pass was recorded.

Claims:
    accuracy.grad-none-proves-nothing: After an evaluation pass outside `no_grad`, every
        `param.grad` is still `None` although the output has a `grad_fn`, exactly as after
        the same pass under `no_grad`.
    accuracy.grad-reflects-past-backward: After one `backward()`, every `param.grad` is a
        tensor, and it is unchanged by a following evaluation pass under `no_grad`: a
        forward pass neither writes nor clears `.grad`.
    accuracy.input-requires-grad-proves-nothing: An input batch has `requires_grad == False`
        both under and outside `no_grad`, and the output's `grad_fn` differs between the
        two, so the input's flag says nothing about grad mode.

Counter-cases:
    accuracy.grad-none-proves-nothing: `logits = model(inputs)  # no no_grad` -> `logits = model(inputs).detach()  # no no_grad`
    accuracy.grad-reflects-past-backward: `logits = model(inputs)  # nothing recorded here...` -> `logits = model(inputs); model.zero_grad()`
    accuracy.input-requires-grad-proves-nothing: `outside = model(inputs)` -> `outside = model(inputs.requires_grad_())`
"""

# --8<-- [start:grad-none]
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 3)
inputs = torch.randn(8, 4)

# claim: accuracy.grad-none-proves-nothing
logits = model(inputs)  # no no_grad
print([p.grad for p in model.parameters()], type(logits.grad_fn).__name__)
#> [None, None] AddmmBackward0
assert all(p.grad is None for p in model.parameters())
assert logits.grad_fn is not None  # ...yet a graph was recorded

with torch.no_grad():
    logits = model(inputs)
assert all(p.grad is None for p in model.parameters())  # same answer
assert logits.grad_fn is None
# --8<-- [end:grad-none]

# --8<-- [start:grad-set]
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 3)
inputs, targets = torch.randn(8, 4), torch.randint(0, 3, (8,))

# claim: accuracy.grad-reflects-past-backward
loss = torch.nn.functional.cross_entropy(model(inputs), targets)
loss.backward()  # a training step fills .grad
grads = [p.grad.clone() for p in model.parameters()]  # equivalent: nothing writes .grad here
with torch.no_grad():
    logits = model(inputs)  # nothing recorded here...
print(logits.grad_fn, [p.grad is not None for p in model.parameters()])
#> None [True, True]
assert logits.grad_fn is None
assert all(p.grad is not None for p in model.parameters())  # ...but .grad is set
assert all(torch.equal(p.grad, g) for p, g in zip(model.parameters(), grads, strict=True))  # and untouched
# --8<-- [end:grad-set]

# --8<-- [start:requires-grad]
import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 3)
inputs = torch.randn(8, 4)

# claim: accuracy.input-requires-grad-proves-nothing
with torch.no_grad():
    inside = model(inputs)
    assert inputs.requires_grad is False
outside = model(inputs)
print(inputs.requires_grad, inside.grad_fn, type(outside.grad_fn).__name__)
#> False None AddmmBackward0
assert inputs.requires_grad is False  # the same value in both modes
assert inside.grad_fn is None and outside.grad_fn is not None
# --8<-- [end:requires-grad]
