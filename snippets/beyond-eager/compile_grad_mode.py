"""A model compiled with torch.compile follows the grad mode it is called in.

Claims:
    beyond-eager.compile-follows-grad-mode: A model compiled with `torch.compile`
        (a counting backend that runs the captured graph as is, like `backend="eager"`)
        returns outputs without a `grad_fn` under `torch.no_grad()` and under
        `torch.inference_mode()` (there an inference tensor), and with a `grad_fn` in
        grad mode, where `backward()` fills the weights' `.grad` with the values eager
        gives.
    beyond-eager.compile-one-graph-per-grad-mode: Calling a compiled model first under
        `no_grad`, then in grad mode, then under `inference_mode` compiles one graph for
        each of the three (the backend is called 3 times); switching back and forth
        between the modes afterwards compiles nothing more.
    beyond-eager.compile-inner-no-grad: A `with torch.no_grad()` block inside a compiled
        function is honoured: called in grad mode, the result computed inside the block
        has no `grad_fn`, the one computed outside has one, and the function is captured
        as one graph (one backend call).
    beyond-eager.compile-inference-tensor-input: Under `no_grad`, calling a compiled
        model on an inference tensor (made under `inference_mode`) after calling it on a
        normal tensor compiles a second graph (2 backend calls); further calls with
        either kind of input compile nothing more.

Counter-cases:
    beyond-eager.compile-follows-grad-mode: `with torch.no_grad():  # compiled, no_grad` -> `with torch.enable_grad():`
    beyond-eager.compile-one-graph-per-grad-mode: `with torch.inference_mode():  # third mode` -> `with torch.no_grad():`
    beyond-eager.compile-inner-no-grad: `with torch.no_grad():  # inside the compiled function` -> `with torch.enable_grad():`
    beyond-eager.compile-inference-tensor-input: `with torch.inference_mode():  # the data is made here` -> `with torch.no_grad():`

Torch: >=2.13
Memory: 8G  (torch.compile on a CUDA build of torch reserves more address space than the 4G default)
"""

# claim: beyond-eager.compile-follows-grad-mode
# --8<-- [start:records]
import torch


def backend(gm, example_inputs):
    return gm.forward  # run the captured graph as is, like backend="eager"


torch._dynamo.reset()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
compiled = torch.compile(model, backend=backend)
x = torch.randn(3, 4)

with torch.no_grad():  # compiled, no_grad
    out_no_grad = compiled(x)
with torch.inference_mode():
    out_inference = compiled(x)
out_grad = compiled(x)

print(out_no_grad.grad_fn, out_inference.grad_fn, out_inference.is_inference())
#> None None True
print(type(out_grad.grad_fn).__name__)
#> AddmmBackward0
assert out_no_grad.grad_fn is None and not out_no_grad.requires_grad
assert out_inference.grad_fn is None and out_inference.is_inference()
assert out_grad.grad_fn is not None

out_grad.sum().backward()
compiled_grads = [p.grad.clone() for p in model.parameters()]  # equivalent: zero_grad() sets grads to None
model.zero_grad()
model(x).sum().backward()  # the same pass, eager
assert all(torch.allclose(a, p.grad) for a, p in zip(compiled_grads, model.parameters(), strict=True))
# --8<-- [end:records]

# claim: beyond-eager.compile-one-graph-per-grad-mode
# --8<-- [start:recompiles]
import torch

calls = []


def counting_backend(gm, example_inputs):
    calls.append(1)  # one call per graph dynamo compiles
    return gm.forward


torch._dynamo.reset()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
compiled = torch.compile(model, backend=counting_backend)
x = torch.randn(3, 4)

with torch.no_grad():
    compiled(x)
print(len(calls))
#> 1
assert len(calls) == 1
compiled(x)  # grad mode: a new graph
print(len(calls))
#> 2
assert len(calls) == 2
with torch.inference_mode():  # third mode
    compiled(x)
print(len(calls))
#> 3
assert len(calls) == 3

for _ in range(3):  # an evaluation loop inside training: modes alternate
    grad_out = compiled(x)
    with torch.no_grad():
        no_grad_out = compiled(x)
    with torch.inference_mode():
        inference_out = compiled(x)
print(len(calls))
#> 3
assert len(calls) == 3  # every mode reuses its graph
assert grad_out.grad_fn is not None and no_grad_out.grad_fn is None and inference_out.is_inference()  # all three ran
# --8<-- [end:recompiles]

# claim: beyond-eager.compile-inner-no-grad
# --8<-- [start:inner]
import torch

calls = []


def counting_backend(gm, example_inputs):
    calls.append(1)
    return gm.forward


torch._dynamo.reset()


@torch.compile(backend=counting_backend)
def step(w, x):
    recorded = w * x
    with torch.no_grad():  # inside the compiled function
        not_recorded = w * 2
    return recorded, not_recorded


w = torch.ones(3, requires_grad=True)
recorded, not_recorded = step(w, torch.ones(3))
print(type(recorded.grad_fn).__name__, not_recorded.grad_fn, len(calls))
#> MulBackward0 None 1
assert recorded.grad_fn is not None
assert not_recorded.grad_fn is None and not not_recorded.requires_grad
assert len(calls) == 1  # one graph: the block did not break it
# --8<-- [end:inner]

# claim: beyond-eager.compile-inference-tensor-input
# --8<-- [start:inference_input]
import torch

calls = []


def counting_backend(gm, example_inputs):
    calls.append(1)
    return gm.forward


torch._dynamo.reset()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
compiled = torch.compile(model, backend=counting_backend)
x = torch.randn(3, 4)
with torch.inference_mode():  # the data is made here
    x_inference = torch.randn(3, 4)

with torch.no_grad():
    compiled(x)
    print(len(calls))
    #> 1
    compiled(x_inference)  # same grad mode, an inference tensor as input
    print(len(calls))
    #> 2
    assert len(calls) == 2
    for _ in range(3):
        compiled(x)
        compiled(x_inference)
print(len(calls))
#> 2
assert len(calls) == 2
# --8<-- [end:inference_input]
