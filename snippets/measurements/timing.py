"""What grad mode adds to a forward pass, counted: the operators are the same, the graph is extra.

The time this costs depends on the machine, so no time is asserted here: the
measurements page shows the recorded speed-ups with their spread. What is
asserted is the structure behind them, which no machine can change.

Claims:
    measurements.no-grad-speedup-small-when-compute-bound: For a two-layer MLP at
        batch 32, a forward pass under `torch.no_grad()` calls exactly the same ATen
        operators, as many times, as in grad mode; grad mode only adds its graph
        (5 nodes, and 65,536 bytes of saved activations), which `no_grad` leaves out entirely.
    measurements.no-grad-saves-per-op-overhead: Grad mode builds one graph node per
        differentiable operator call (`t`, `addmm`, `relu`), so a deep, narrow MLP
        (25 layers of width 16) at batch 1 gets 75 nodes for 6,400 multiply-adds,
        more than 1,000 times as many nodes per multiply-add as the two-layer MLP at batch 32
        (5 nodes for 4,358,144), while `no_grad` builds no node for either.

Counter-cases:
    measurements.no-grad-speedup-small-when-compute-bound: `graph_nograd = graph(wide, x_wide, grad=False)  # under no_grad` -> `graph_nograd = graph(wide, x_wide, grad=True)`
    measurements.no-grad-saves-per-op-overhead: `deep_nograd = graph(deep, x_deep, grad=False)  # under no_grad` -> `deep_nograd = graph(deep, x_deep, grad=True)`
"""

# --8<-- [start:main]
import collections

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

torch.manual_seed(0)
wide = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 10))
x_wide = torch.randn(32, 256)
deep = nn.Sequential(*[m for _ in range(25) for m in (nn.Linear(16, 16), nn.ReLU())])
x_deep = torch.randn(1, 16)


def operator_calls(model, x, grad):
    """The ATen operators model(x) calls, with how many times each, and whether it was recorded."""
    with profile(activities=[ProfilerActivity.CPU]) as prof, torch.set_grad_enabled(grad):
        out = model(x)
    calls = collections.Counter(event.name for event in prof.events() if event.name.startswith("aten::"))
    return calls, out.grad_fn is not None


def graph(model, x, grad):
    """The graph nodes model(x) records, and the bytes of activations it saves."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved = {}  # storage pointer -> bytes; a storage counts once

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params and ptr != x.untyped_storage().data_ptr():
            saved[ptr] = t.untyped_storage().nbytes()
        return t.detach()  # equivalent: nothing here checks when the graph is freed; never return t itself

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), torch.set_grad_enabled(grad):
        out = model(x)
    nodes, stack, seen = collections.Counter(), [out.grad_fn], set()
    while stack:  # walk the graph back from the output
        node = stack.pop()
        if node is None or node in seen or type(node).__name__ == "AccumulateGrad":
            continue  # AccumulateGrad belongs to a parameter, not to this forward pass
        seen.add(node)
        nodes[type(node).__name__] += 1
        stack.extend(next_node for next_node, _ in node.next_functions)
    return {"nodes": nodes.total(), "by_kind": dict(sorted(nodes.items())), "saved_bytes": sum(saved.values())}


def multiply_adds(model, batch):
    return batch * sum(m.in_features * m.out_features for m in model if isinstance(m, nn.Linear))


# claim: measurements.no-grad-speedup-small-when-compute-bound
(calls_grad, recorded), (calls_nograd, recorded_nograd) = (
    operator_calls(wide, x_wide, grad=True),
    operator_calls(wide, x_wide, grad=False),
)
graph_grad = graph(wide, x_wide, grad=True)
graph_nograd = graph(wide, x_wide, grad=False)  # under no_grad
print(graph_grad)
#> {'nodes': 5, 'by_kind': {'AddmmBackward0': 2, 'ReluBackward0': 1, 'TBackward0': 2}, 'saved_bytes': 65536}
print(graph_nograd)
#> {'nodes': 0, 'by_kind': {}, 'saved_bytes': 0}
assert recorded and not recorded_nograd  # the two profiled passes: grad mode, then no_grad
assert calls_grad == calls_nograd  # the same operators, the same number of calls
assert calls_grad["aten::addmm"] == 2 and calls_grad["aten::relu"] == 1
assert graph_grad["nodes"] == 5 and graph_grad["saved_bytes"] == 32 * 512 * 4  # the ReLU output
assert graph_nograd == {"nodes": 0, "by_kind": {}, "saved_bytes": 0}

# claim: measurements.no-grad-saves-per-op-overhead
deep_grad = graph(deep, x_deep, grad=True)
deep_nograd = graph(deep, x_deep, grad=False)  # under no_grad
print(deep_grad["nodes"], multiply_adds(deep, 1), "|", graph_grad["nodes"], multiply_adds(wide, 32))
#> 75 6400 | 5 4358144
assert deep_grad["by_kind"] == {"AddmmBackward0": 25, "ReluBackward0": 25, "TBackward0": 25}
assert deep_grad["nodes"] / multiply_adds(deep, 1) >= 1000 * graph_grad["nodes"] / multiply_adds(wide, 32)
assert deep_nograd["nodes"] == 0 and deep_nograd["saved_bytes"] == 0
# --8<-- [end:main]
