"""The audit as a test in your own suite.

Claims:
    audit.pytest-example: A pytest-style test that audits an evaluation function passes for a
        function that uses `eval()` and `no_grad`; the same audit of a version that forgets
        `no_grad` and returns its outputs reports exactly `graph-recorded` and `graph-kept-alive`,
        so the test would fail for it.

Counter-cases:
    audit.pytest-example: `@torch.no_grad()  # the function under test` -> `@torch.enable_grad()`
"""

# --8<-- [start:test]
# Requires: eval_audit.py, saved next to this script
import torch
from eval_audit import audit_evaluation
from torch import nn


@torch.no_grad()  # the function under test
def evaluate(model, batches):
    model.eval()
    return [model(x) for x, _ in batches]


def audit(evaluate):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    batches = [(torch.randn(8, 8), torch.randint(0, 3, (8,))) for _ in range(5)]
    with audit_evaluation(model) as report:
        outputs = evaluate(model, batches)  # held when the block ends: a graph behind them counts
    return report, outputs


def test_evaluate_records_and_keeps_no_graph():
    report, _ = audit(evaluate)
    assert report.ok, f"evaluate() is not a clean evaluation:\n{report}"


test_evaluate_records_and_keeps_no_graph()  # pytest collects and runs it; called here to run alone


def evaluate_without_no_grad(model, batches):  # what the test catches
    model.eval()
    return [model(x) for x, _ in batches]


# claim: audit.pytest-example
report, _ = audit(evaluate_without_no_grad)
assert report.codes == {"graph-recorded", "graph-kept-alive"}
# --8<-- [end:test]
