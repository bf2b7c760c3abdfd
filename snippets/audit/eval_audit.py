"""Audit an evaluation loop: wrap it, unchanged, and get the faults it has.

Claims:
    audit.self-test: On a small model with a dropout and a batch-norm layer, a correct loop
        (`eval()` and `no_grad`) reports no problem, a loop without `no_grad` that sums its
        losses into a tensor reports exactly `graph-recorded` and `graph-kept-alive` (the graphs
        of all 3 forward passes kept), and a loop without `eval()` reports exactly
        `training-mode` and `running-stats-updated`, and a block that changes a parameter in place
        reports exactly `parameters-changed`.
    audit.restores-hooks: The audit leaves no hook on any module (nor a global module hook)
        behind and no saved-tensor hook active, even when the block raises inside a forward
        pass; the exception reaches the caller and the report is still filled in.
    audit.not-a-module: Passing something that is not a `torch.nn.Module` raises a
        `TypeError` that says what was passed.

Counter-cases:
    audit.self-test: `model.eval()  # the correct loop` -> `model.train()`
    audit.self-test: `running = running + loss  # the leaky loop` -> `running = running + loss.item()`
    audit.restores-hooks: `for handle in self.handles:  # restore` -> `for handle in self.handles[:1]:`
    audit.not-a-module: `f"audit_evaluation(model) needs the torch.nn.Module being evaluated, not {type(model).__qualname__}"` -> `"not a module"`

Usage (only dependency: torch):

    from eval_audit import audit_evaluation

    with audit_evaluation(model) as report:
        ...  # your evaluation loop, unchanged
    assert report.ok, report  # or look at report.problems: each has .code and .message

Problem codes: graph-recorded, graph-kept-alive, training-mode, running-stats-updated,
parameters-changed. What each one means and what the audit cannot see: the page
"Check your own evaluation loop" of the site.
"""

# --8<-- [start:main]
from __future__ import annotations

import contextlib
import threading
import weakref
from dataclasses import dataclass, field

import torch
from torch import nn

__all__ = ["Problem", "Report", "audit_evaluation"]

CODES = ("graph-recorded", "graph-kept-alive", "training-mode", "running-stats-updated", "parameters-changed")


@dataclass(frozen=True)
class Problem:
    code: str  # one of CODES
    message: str  # what happened and where

    def __str__(self):
        return f"{self.code}: {self.message}"


@dataclass
class Report:
    problems: list = field(default_factory=list)
    finished: bool = False  # True once the `with` block has ended (normally or by an exception)

    @property
    def ok(self) -> bool:
        return self.finished and not self.problems

    @property
    def codes(self) -> set:
        return {p.code for p in self.problems}

    def __str__(self):
        if not self.finished:
            return "audit still running: read the report after the `with` block"
        if not self.problems:
            return "no problem found"
        return "\n".join(str(p) for p in self.problems)


class _Saved:
    """What autograd keeps for one saved tensor while the audit watches (a weak reference target)."""

    __slots__ = ("tensor", "nbytes", "ptr", "call", "__weakref__")

    def __init__(self, tensor, call):
        self.tensor, self.call = tensor, call
        storage = tensor.untyped_storage()
        self.ptr, self.nbytes = storage.data_ptr(), storage.nbytes()


def _unpack(saved):
    return saved.tensor


def _has_graph(value, depth=0):
    """True if a tensor in ``value`` (tensors, lists, tuples, dicts) has a grad_fn."""
    if isinstance(value, torch.Tensor):
        return value.grad_fn is not None
    if depth < 4 and isinstance(value, (list, tuple)):
        return any(_has_graph(v, depth + 1) for v in value)
    if depth < 4 and isinstance(value, dict):
        return any(_has_graph(v, depth + 1) for v in value.values())
    return False


def _may_use_training_flag(module) -> bool:
    """Whether the module's output can depend on its training flag: it gets a hook."""
    if isinstance(module, (nn.modules.dropout._DropoutNd, nn.modules.batchnorm._NormBase)):
        return True
    code = getattr(type(module).forward, "__code__", None)
    return code is not None and "training" in code.co_names  # its forward reads `<something>.training`


def _uses_training_flag(module) -> bool:
    """Whether the module's output depends on its training flag now (checked only when it is True)."""
    if isinstance(module, nn.modules.batchnorm._NormBase):
        # Without running statistics it normalises with batch statistics in both modes.
        return getattr(module, "running_mean", None) is not None
    return True


def _unregistered(model, labels) -> dict:
    """Modules held in plain lists, tuples or dicts of the model's modules: eval() does not reach them."""
    found = {}
    for owner in list(model.modules()):
        for attr, value in owner.__dict__.items():
            items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
            for item in items:
                if not isinstance(item, nn.Module) or id(item) in labels:
                    continue
                for name, module in item.named_modules():
                    if id(module) not in labels and id(module) not in found:
                        where = f"in the plain {type(value).__name__} '{attr}' of {labels[id(owner)]}"
                        inner = f" (its submodule '{name}')" if name else ""
                        found[id(module)] = (
                            module,
                            f"{type(module).__name__}{inner} {where} (not a registered submodule)",
                        )
    return found


def _same(a, b) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if torch.equal(a, b):
        return True
    if a.is_floating_point() or a.is_complex():
        return bool(((a == b) | (a.isnan() & b.isnan())).all())  # NaN where it was NaN is unchanged
    return False


def _stats(module) -> dict:
    names = ("running_mean", "running_var", "num_batches_tracked")
    return {n: getattr(module, n).clone() for n in names if isinstance(getattr(module, n, None), torch.Tensor)}


class _Audit:
    def __init__(self, model):
        self.model = model
        self.labels = {  # id(module) -> how reports name it
            id(m): f"the model ({type(m).__name__})" if not name else f"submodule '{name}' ({type(m).__name__})"
            for name, m in model.named_modules()
        }
        self.modules = list(model.modules())  # registered ones first, then those in plain containers
        for module, label in _unregistered(model, self.labels).values():
            self.labels[id(module)] = label
            self.modules.append(module)
        self.local = threading.local()  # per thread: depth of audited forward calls, saved-tensor hooks
        self.lock = threading.Lock()
        self.found = {}  # (code, where) -> {"calls": n, "threads": set()}
        self.saved = weakref.WeakSet()  # _Saved objects: alive while the graph that saved them is
        self.norms = {}  # id(module) -> (label, module, running statistics when the block starts)
        for module in self.modules:
            if isinstance(module, nn.modules.batchnorm._NormBase):
                self.norms[id(module)] = (self.where(module), module, _stats(module))
        params = list(model.named_parameters())
        for module in self.modules[len(list(model.modules())) :]:  # those in plain containers
            params += [(f"{n} of the {self.where(module)}", p) for n, p in module.named_parameters(recurse=False)]
        self.params = [(name, p, p.detach().clone()) for name, p in params]  # equivalent: same values; a grad_fn on the copy is never read
        self.own = {p.untyped_storage().data_ptr() for _, p in params}  # saved tensors the model holds anyway
        self.own |= {b.untyped_storage().data_ptr() for m in self.modules for b in m.buffers(recurse=False)}
        self.handles = []
        self.calls = 0  # outermost forward calls made in grad mode

    # --- naming --------------------------------------------------------------------------------

    def where(self, module) -> str:
        return self.labels.get(id(module)) or f"a {type(module).__name__}"

    def note(self, code, where):
        thread = threading.current_thread().name
        with self.lock:
            entry = self.found.setdefault((code, where), {"calls": 0, "threads": set()})
            entry["calls"] += 1
            entry["threads"].add(thread)

    # --- what the hooks do (in whatever thread runs the forward) -----------------------------

    def enter(self, module):
        """The outermost audited forward call of this thread starts."""
        local = self.local
        local.packed = 0  # tensors saved for backward during this call
        if torch.is_grad_enabled():
            with self.lock:
                self.calls += 1
                local.call = self.calls
            hooks = torch.autograd.graph.saved_tensors_hooks(self.pack, _unpack)
            hooks.__enter__()
            local.hooks = hooks

    def leave(self, module, output):
        """The outermost audited forward call of this thread ends (normally or by an exception)."""
        local = self.local
        hooks, local.hooks = getattr(local, "hooks", None), None
        if hooks is not None:
            hooks.__exit__(None, None, None)
        if local.packed or _has_graph(output):
            self.note("graph-recorded", self.where(module))

    def in_training(self, module):
        self.note("training-mode", self.where(module))

    def pack(self, tensor):
        self.local.packed += 1
        saved = _Saved(tensor.detach(), self.local.call)  # equivalent: same values; detach() keeps the saved tensor from pointing back at its graph
        if saved.ptr not in self.own:  # the model holds its parameters anyway: they cost nothing extra
            self.saved.add(saved)
        return saved

    # --- the block -----------------------------------------------------------------------------

    def start(self):
        # Hooks make every call of a hooked module take torch's slower path, so only the model
        # itself and the modules whose output can depend on their training flag get one.
        local = self.local

        def model_pre(module, args):
            depth = getattr(local, "depth", 0)
            if depth == 0:
                self.enter(module)
            local.depth = depth + 1

        def model_post(module, args, output):
            depth = getattr(local, "depth", 0)
            if depth == 0:
                return  # a call that started before the audit
            local.depth = depth - 1
            if depth == 1:
                self.leave(module, output)

        def mode_pre(module, args):
            if module.training and _uses_training_flag(module):
                self.in_training(module)

        # Under torch.compile, the pack hook runs as plain Python (never traced: dynamo would
        # recompile it per tensor); the module hooks are traced and break the graph where they
        # touch thread-local state.
        self.pack = torch.compiler.disable(self.pack)
        self.handles = [
            self.model.register_forward_pre_hook(model_pre),
            self.model.register_forward_hook(model_post, always_call=True),
        ]
        for module in self.modules:
            if _may_use_training_flag(module):
                self.handles.append(module.register_forward_pre_hook(mode_pre))

    def stop(self):
        for handle in self.handles:  # restore
            handle.remove()
        self.handles = []

    def problems(self, raised=False) -> list:
        found = []
        for (code, where), entry in self.found.items():
            threads = ", ".join(sorted(entry["threads"]))
            calls = entry["calls"]
            if code == "graph-recorded":
                what = f"a forward pass of {where} recorded an autograd graph"
            else:
                what = f"{where} ran in training mode"
            found.append(Problem(code, f"{what} ({calls} call{'s' * (calls != 1)}, thread {threads})"))
        kept, calls = {}, set()
        for saved in list(self.saved):
            kept[saved.ptr] = saved.nbytes
            calls.add(saved.call)
        if kept:
            found.append(
                Problem(
                    "graph-kept-alive",
                    f"{sum(kept.values())} bytes that the block's forward passes saved for backward are "
                    f"still referenced after it ({len(kept)} tensors, from {len(calls)} of the {self.calls} forward "
                    "passes made in grad mode): something still holds their graph"
                    + ("; the block raised, and its exception's traceback holds the frames it left" if raised else ""),
                )
            )
        for label, module, before in self.norms.values():
            changed = [n for n, value in before.items() if not _same(value, getattr(module, n))]
            if changed:
                found.append(Problem("running-stats-updated", f"{label}: {', '.join(changed)} changed"))
        changed = [name for name, p, before in self.params if not _same(before, p)]
        if changed:
            shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            found.append(Problem("parameters-changed", f"{len(changed)} parameter(s) changed value: {shown}"))
        order = {code: i for i, code in enumerate(CODES)}
        return sorted(found, key=lambda p: order[p.code])


@contextlib.contextmanager
def audit_evaluation(model):
    """Audit the evaluation of ``model`` (a torch.nn.Module) in the ``with`` block; yields a Report."""
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"audit_evaluation(model) needs the torch.nn.Module being evaluated, not {type(model).__qualname__}"
        )
    report = Report()
    audit = _Audit(model)
    audit.start()
    raised = True
    try:
        yield report
        raised = False
    finally:
        audit.stop()
        report.problems = audit.problems(raised)
        report.finished = True


# --8<-- [end:main]

if __name__ == "__main__":  # the file's self-test: `python eval_audit.py`
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    batches = [(torch.randn(4, 8), torch.randint(0, 3, (4,))) for _ in range(3)]

    # claim: audit.self-test
    model.eval()  # the correct loop
    with audit_evaluation(model) as report, torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in batches)  # equivalent: under no_grad the count holds no graph either
    assert report.ok and report.problems == [], report

    model.eval()
    with audit_evaluation(model) as report:
        running = torch.zeros(())
        for x, y in batches:
            loss = nn.functional.cross_entropy(model(x), y)
            running = running + loss  # the leaky loop
    assert report.codes == {"graph-recorded", "graph-kept-alive"}, report
    assert "from 3 of the 3 forward passes" in str(report)  # every batch's graph, not just the last one

    model.train()
    with audit_evaluation(model) as report, torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in batches)  # equivalent: under no_grad the count holds no graph either
    assert report.codes == {"training-mode", "running-stats-updated"}, report

    with audit_evaluation(model) as report, torch.no_grad():  # no forward pass
        model[0].weight.add_(1.0)  # a parameter changed in place
    assert report.codes == {"parameters-changed"}, report

    # claim: audit.restores-hooks
    from torch.nn.modules import module as module_hooks

    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("broken forward")

    def hook_counts(model):  # hooks of every module, then the global ones
        mine = [(len(m._forward_pre_hooks), len(m._forward_hooks)) for m in model.modules()]
        return mine, len(module_hooks._global_forward_pre_hooks), len(module_hooks._global_forward_hooks)

    broken = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.1), Broken()).eval()
    hooks_before = hook_counts(broken)
    try:
        with audit_evaluation(broken) as report:
            broken(batches[0][0])  # grad mode: the audit's saved-tensor hooks are on when it raises
    except ValueError as error:
        assert "broken forward" in str(error)
    hooks_after = hook_counts(broken)
    assert hooks_after == hooks_before, (hooks_before, hooks_after)
    # the exception in flight holds the failing frames, and they hold the graph's first layer
    assert report.finished and report.codes == {"graph-recorded", "graph-kept-alive"}, report
    assert "the block raised" in report.problems[-1].message
    out = broken[0](batches[0][0])  # no saved-tensor hook left: registering one on a saved tensor works
    out.grad_fn._raw_saved_mat1.register_hooks(lambda t: t.detach(), lambda t: t)  # equivalent: the hook's return is never compared

    # claim: audit.not-a-module
    try:
        with audit_evaluation(model.state_dict()):
            pass
    except TypeError as error:
        assert "needs the torch.nn.Module being evaluated, not OrderedDict" in str(error)
