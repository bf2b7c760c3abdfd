"""What the audit does with a model without parameters and with a compiled model.

Claims:
    audit.no-parameters: A model without any parameter is audited like any other: in `eval()`
        under `no_grad` it reports nothing, and left in training mode it reports exactly
        `training-mode` for its dropout.
    audit.compiled-model: With `torch.compile(model, backend="eager")`, auditing the compiled
        module reports no problem for a correct loop, exactly `graph-recorded` for a loop without
        `no_grad`, and exactly `training-mode` and `running-stats-updated` for a loop without
        `eval()`: the codes the plain model gets for these loops.

Counter-cases:
    audit.no-parameters: `model.eval()  # no parameters, still a dropout` -> `model.train()`
    audit.compiled-model: `compiled.eval()  # the correct loop, compiled` -> `compiled.train()`

Timeout: 120
"""

# --8<-- [start:no-parameters]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Softmax(dim=1), nn.Dropout(0.2))  # no parameter at all
batches = [torch.randn(8, 3) for _ in range(5)]

model.eval()  # no parameters, still a dropout
with audit_evaluation(model) as report, torch.no_grad():  # equivalent: no parameter and no input requires grad: nothing records either way
    outputs = [model(x) for x in batches]
# claim: audit.no-parameters
assert report.ok

model.train()
with audit_evaluation(model) as report, torch.no_grad():  # equivalent: no parameter and no input requires grad: nothing records either way
    outputs = [model(x) for x in batches]
print(report)
#> training-mode: submodule '1' (Dropout) ran in training mode (5 calls, thread MainThread)
assert report.codes == {"training-mode"}
# --8<-- [end:no-parameters]

# --8<-- [start:compiled]
# Requires: eval_audit.py, saved next to this script
import warnings

import torch
from eval_audit import audit_evaluation
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]
compiled = torch.compile(model, backend="eager")
# dynamo announces a graph break where a hook of the audit reads per-thread state
warnings.filterwarnings("ignore", "Dynamo does not know how to trace the builtin `_thread.get_ident")


def codes(grad_mode):
    with audit_evaluation(compiled) as report, torch.set_grad_enabled(grad_mode):
        for x, _ in batches:
            compiled(x).argmax(1).tolist()
    return report


compiled.eval()  # the correct loop, compiled
no_problem = codes(grad_mode=False)
graph = codes(grad_mode=True)
compiled.train()
training = codes(grad_mode=False)
print(training)
#> training-mode: submodule '_orig_mod.1' (BatchNorm1d) ran in training mode (5 calls, thread MainThread)
#> training-mode: submodule '_orig_mod.3' (Dropout) ran in training mode (5 calls, thread MainThread)
#> running-stats-updated: submodule '_orig_mod.1' (BatchNorm1d): running_mean, running_var, num_batches_tracked changed
# claim: audit.compiled-model
assert no_problem.ok
assert graph.codes == {"graph-recorded"}
assert training.codes == {"training-mode", "running-stats-updated"}
# --8<-- [end:compiled]
