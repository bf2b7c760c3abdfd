"""Measurement primitives shared by the benchmark (tests/bench/run.py).

Definitions (the page and the results file use these words exactly):

* **saved tensors**: every tensor that autograd hands to the ``pack_hook`` of
  :class:`torch.autograd.graph.saved_tensors_hooks` while the forward pass runs;
  this covers tensors saved by built-in operations and by ``save_for_backward``.
* **saved bytes**: the sum of ``untyped_storage().nbytes()`` over the *distinct*
  storages of the saved tensors (a storage is identified by device and data
  pointer, so a tensor saved twice, or a view and its base, count once).
* The distinct storages are split into three kinds:
  ``param`` (a parameter or buffer of the model: it exists whether or not a
  graph is recorded), ``input`` (the storage of the batch passed to the model:
  the caller holds it anyway) and ``activation`` (everything else: memory that
  exists only because a graph was recorded and that the graph keeps alive).
  ``activation`` bytes are the headline figure: the extra memory an evaluation
  forward pass keeps for a backward pass that never comes.
"""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass, field

import torch
from torch import nn

MODES = ("grad", "no_grad", "inference_mode")


def mode_context(mode: str):
    if mode == "grad":
        return contextlib.nullcontext()
    if mode == "no_grad":
        return torch.no_grad()
    if mode == "inference_mode":
        return torch.inference_mode()
    raise ValueError(mode)


# ---------------------------------------------------------------- models ----


def make_mlp() -> nn.Module:
    return nn.Sequential(
        nn.Linear(256, 512),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(512, 512),
        nn.ReLU(),
        nn.Linear(512, 10),
    )


def make_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(32, 10),
    )


class SmallTransformer(nn.Module):
    def __init__(self, d_model: int = 64, seq: int = 32) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=128, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x).mean(dim=1))


MODELS = {
    # name: (constructor, input shape without the batch dimension, description)
    "mlp": (make_mlp, (256,), "MLP 256-512-512-10, ReLU, Dropout"),
    "cnn": (make_cnn, (3, 32, 32), "CNN 2x(Conv3x3+BatchNorm+ReLU), MaxPool, 32x32x3 input"),
    "transformer": (SmallTransformer, (32, 64), "TransformerEncoder, 2 layers, d_model 64, 4 heads, sequence 32"),
}


def make_deep_narrow_mlp() -> nn.Module:
    return nn.Sequential(*[m for _ in range(25) for m in (nn.Linear(16, 16), nn.ReLU())])


# Timed only: many tiny layers, so per-operation bookkeeping dominates the cost.
TIMING_ONLY = {"deep_mlp": (make_deep_narrow_mlp, (16,), "MLP of 25 x (Linear 16-16 + ReLU)")}


def build(name: str, device: torch.device) -> tuple[nn.Module, tuple[int, ...]]:
    torch.manual_seed(0)
    ctor, shape, _ = {**MODELS, **TIMING_ONLY}[name]
    return ctor().to(device).eval(), shape


# ------------------------------------------------------ saved-bytes probe ----


def _key(t: torch.Tensor) -> tuple[str, int]:
    return (str(t.device), t.untyped_storage().data_ptr())


def _nbytes(t: torch.Tensor) -> int:
    return t.untyped_storage().nbytes()


@dataclass
class SavedBytes:
    """What one forward pass hands to autograd, classified by storage."""

    n_saved_tensors: int = 0
    storages: dict = field(default_factory=dict)  # key -> (kind, nbytes)

    def total(self, kind: str | None = None) -> int:
        return sum(n for k, n in self.storages.values() if kind is None or k == kind)

    def as_dict(self) -> dict:
        return {
            "n_saved_tensors": self.n_saved_tensors,
            "n_distinct_storages": len(self.storages),
            "activation_bytes": self.total("activation"),
            "param_bytes": self.total("param"),
            "input_bytes": self.total("input"),
            "params_among_saved": self.total("param") > 0,
        }


def saved_bytes_of_forward(model: nn.Module, x: torch.Tensor, mode: str):
    """Run ``model(x)`` under ``mode`` and classify every saved tensor.

    Returns ``(output, SavedBytes)``; the caller keeps the output alive if it
    wants the graph alive.
    """
    param_keys = {_key(p) for p in model.parameters()} | {_key(b) for b in model.buffers()}
    input_key = _key(x)
    rec = SavedBytes()

    def pack(t: torch.Tensor):
        rec.n_saved_tensors += 1
        k = _key(t)
        kind = "param" if k in param_keys else "input" if k == input_key else "activation"
        rec.storages[k] = (kind, _nbytes(t))
        return t.detach()  # not t itself: that would make a reference cycle

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), mode_context(mode):
        out = model(x)
    return out, rec


class LiveSavedBytes:
    """Bytes of saved activation storages that autograd graphs keep alive *now*.

    ``pack_hook`` wraps each saved tensor in a small holder; autograd stores the
    holder in the graph, so the holder dies exactly when the graph that saved
    it is freed. Storages are reference-counted, so each counts once.
    """

    def __init__(self, exclude: set) -> None:
        self.exclude = exclude
        self.refs: dict = {}
        self.sizes: dict = {}
        outer = self

        class Holder:
            __slots__ = ("t", "k")

            def __init__(self, t: torch.Tensor) -> None:
                # detach(): same storage, no grad_fn. Holding ``t`` itself would
                # create a reference cycle (output -> grad_fn -> holder -> output)
                # that only the garbage collector could break.
                self.t, self.k = t.detach(), _key(t)
                outer.refs[self.k] = outer.refs.get(self.k, 0) + 1
                outer.sizes[self.k] = _nbytes(t)

            def __del__(self) -> None:
                outer.refs[self.k] -= 1
                if outer.refs[self.k] == 0:
                    del outer.refs[self.k]

        self._holder = Holder
        self.hooks = torch.autograd.graph.saved_tensors_hooks(Holder, lambda h: h.t)

    def live_bytes(self) -> int:
        return sum(self.sizes[k] for k in self.refs if k not in self.exclude)


def leak_curve(model: nn.Module, make_batch, n_iter: int, variant: str, device, cuda: bool = False) -> dict:
    """Run an evaluation loop and record what it keeps after each iteration.

    ``variant`` is ``tensor`` (``running_loss += loss``), ``item``
    (``running_loss += loss.item()``) or ``no_grad_tensor`` (``+= loss`` inside
    ``torch.no_grad()``).
    """
    exclude = {_key(p) for p in model.parameters()} | {_key(b) for b in model.buffers()}
    probe = LiveSavedBytes(exclude)
    crit = nn.CrossEntropyLoss()
    saved, alloc = [], []
    gc.collect()
    if cuda:
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
    ctx = torch.no_grad() if variant == "no_grad_tensor" else contextlib.nullcontext()
    with probe.hooks, ctx:
        running_loss = 0.0  # the usual start of an evaluation loop
        for i in range(n_iter):
            x, y = make_batch(i)
            out = model(x)
            loss = crit(out, y)
            if variant == "item":
                running_loss += loss.item()
            else:
                running_loss += loss  # float += tensor -> a tensor that carries the graph
            del x, y
            saved.append(probe.live_bytes())
            if cuda:
                torch.cuda.synchronize()
                alloc.append(torch.cuda.memory_allocated() - base)
    result = {
        "live_saved_activation_bytes": saved,
        "loss_has_grad_fn": bool(getattr(running_loss, "grad_fn", None) is not None),
    }
    if cuda:
        result["cuda_memory_allocated_delta"] = alloc
    del running_loss, out, loss
    gc.collect()
    return result


# ---------------------------------------------------------------- timing ----


def time_modes(model: nn.Module, x: torch.Tensor, reps: int, min_run_time: float, num_threads: int, clock=None) -> dict:
    """Time ``model(x)`` in each mode with ``torch.utils.benchmark.Timer``.

    The three modes are measured in interleaved rounds (grad, no_grad,
    inference_mode, grad, ...) so that a change of machine load hits all modes
    alike. Each round is one ``blocked_autorange`` (which warms up, and
    synchronizes CUDA around every block through its default timer). The
    output is dropped at the end of every call, so grad mode pays for building
    *and* freeing its graph, as an evaluation loop does.

    ``clock`` is the timer function: ``None`` for the Timer's default (wall
    clock, CUDA-synchronized), or ``time.thread_time`` on CPU, which counts only
    the time the measuring thread actually ran and so is not inflated when other
    processes compete for the cores.
    """
    from torch.utils.benchmark import Timer

    def call(mode):
        ctx = mode_context

        def f():
            with ctx(mode):
                model(x)

        return f

    fns = {m: call(m) for m in MODES}
    for m in MODES:  # warm-up outside the measurement
        for _ in range(3):
            fns[m]()
    rounds = {m: [] for m in MODES}
    for _ in range(reps):
        for m in MODES:
            kwargs = {} if clock is None else {"timer": clock}
            meas = Timer(
                "f()", globals={"f": fns[m]}, num_threads=num_threads, label="forward", sub_label=m, **kwargs
            ).blocked_autorange(min_run_time=min_run_time)
            rounds[m].append(
                {
                    "median_s": meas.median,
                    "iqr_s": meas.iqr,
                    "n_blocks": len(meas.times),
                    "number_per_run": meas.number_per_run,
                    "min_block_s": min(meas.times),
                }
            )
    batch = x.shape[0]
    out = {}
    for m in MODES:
        meds = [r["median_s"] for r in rounds[m]]
        speedup = [g["median_s"] / r["median_s"] for g, r in zip(rounds["grad"], rounds[m], strict=True)]
        best = min(r["min_block_s"] for r in rounds[m])
        best_grad = min(r["min_block_s"] for r in rounds["grad"])
        out[m] = {
            "rounds": rounds[m],
            # fastest block over all rounds: the least disturbed estimate of the cost
            "best_s": best,
            "speedup_best_vs_grad": best_grad / best,
            "median_s": _median(meds),
            "throughput_per_s": batch / _median(meds),
            # speed-up = grad-mode time / this mode's time, one value per round
            "speedup_vs_grad": {
                "median": _median(speedup),
                "p25": _quantile(speedup, 0.25),
                "p75": _quantile(speedup, 0.75),
                "min": min(speedup),
                "max": max(speedup),
                "per_round": speedup,
            },
        }
    return out


def _quantile(v, q):
    s = sorted(v)
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


# ------------------------------------------------- CUDA allocator probe ----


def cuda_allocator_of_forward(model: nn.Module, x: torch.Tensor, mode: str) -> dict:
    """Allocator figures for one forward pass on CUDA, with the saved-bytes probe.

    ``alive_delta``: ``memory_allocated()`` after the forward (output still
    referenced, so its graph too) minus before; ``peak_delta``:
    ``max_memory_allocated()`` after ``reset_peak_memory_stats()`` minus the
    same baseline; ``after_free_delta``: once the output is dropped.
    """
    gc.collect()
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    out, rec = saved_bytes_of_forward(model, x, mode)
    torch.cuda.synchronize()
    alive = torch.cuda.memory_allocated() - base
    peak = torch.cuda.max_memory_allocated() - base
    out_key = _key(out)
    out_bytes = _nbytes(out)
    out_saved = out_key in rec.storages
    del out
    gc.collect()
    torch.cuda.synchronize()
    after = torch.cuda.memory_allocated() - base
    d = rec.as_dict()
    d.update(
        {
            "output_bytes": out_bytes,
            "output_is_saved": out_saved,
            # what the graph and the output must occupy at least:
            # (GPU storages only: an operation may save a small CPU tensor, e.g. an RNG seed)
            "expected_min_alive_bytes": sum(
                n for (dev, _), (kind, n) in rec.storages.items() if kind == "activation" and dev.startswith("cuda")
            )
            + (0 if out_saved else out_bytes),
            "alive_delta": alive,
            "peak_delta": peak,
            "after_free_delta": after,
        }
    )
    return d


# --------------------------------------------------------------- metrics ----


def _metrics(pred: torch.Tensor, y: torch.Tensor, k: int) -> dict:
    cm = torch.bincount(y * k + pred, minlength=k * k).reshape(k, k)  # rows: true
    tp = cm.diag().double()
    precision = tp / cm.sum(0).clamp(min=1)
    recall = tp / cm.sum(1).clamp(min=1)
    return {
        "accuracy": (tp.sum() / cm.sum()).item(),
        "precision_macro": precision.mean().item(),
        "recall_macro": recall.mean().item(),
        "confusion_matrix": cm.tolist(),
    }


measure_ctx = mode_context


def metrics_experiment(device: torch.device, train_steps: int = 150) -> dict:
    """Accuracy, precision, recall and confusion matrix of a small classifier
    with Dropout and BatchNorm, evaluated several ways."""
    k, dim = 3, 20
    g = torch.Generator().manual_seed(0)
    centers = torch.randn(k, dim, generator=g) * 1.2

    def data(n):
        y = torch.randint(0, k, (n,), generator=g)
        return centers[y] + torch.randn(n, dim, generator=g) * 2.0, y

    xtr, ytr = data(600)
    xte, yte = data(300)
    xtr, ytr, xte, yte = (t.to(device) for t in (xtr, ytr, xte, yte))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(dim, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, k)).to(
        device
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(train_steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(xtr), ytr).backward()
        opt.step()

    res = {"n_test": len(yte), "n_classes": k, "eval_batch": 20}

    def predict_logits(mode: str) -> torch.Tensor:
        # An evaluation loop over mini-batches of 20, as a DataLoader would feed.
        with measure_ctx(mode):
            return torch.cat([model(xb) for xb in xte.split(20)])

    model.eval()
    logits_grad = predict_logits("grad")
    logits_ng = predict_logits("no_grad")
    logits_inf = predict_logits("inference_mode")
    res["eval_grad_output_has_grad_fn"] = logits_grad.grad_fn is not None
    res["eval_grad"] = _metrics(logits_grad.argmax(1), yte, k)
    res["eval_no_grad"] = _metrics(logits_ng.argmax(1), yte, k)
    res["eval_inference_mode"] = _metrics(logits_inf.argmax(1), yte, k)
    res["eval_logits_bitwise_equal"] = bool(
        torch.equal(logits_grad.detach(), logits_ng) and torch.equal(logits_ng, logits_inf)
    )
    res["eval_logits_max_abs_diff"] = (logits_grad.detach() - logits_ng).abs().max().item()

    # train(): Dropout is active and BatchNorm normalises with each batch's own
    # statistics -- and, even under no_grad, updates its running statistics.
    bn = model[1]
    running_mean_before = bn.running_mean.clone()
    model.train()
    res["train_no_grad"] = []
    for seed in range(3):
        torch.manual_seed(seed)
        res["train_no_grad"].append(_metrics(predict_logits("no_grad").argmax(1), yte, k))
    res["train_mode_updated_running_mean"] = bool(not torch.equal(running_mean_before, bn.running_mean))
    model.eval()
    try:  # optional cross-check against torchmetrics
        from torchmetrics.functional.classification import multiclass_accuracy, multiclass_precision, multiclass_recall

        p = logits_ng.argmax(1)
        tm = {
            "accuracy": multiclass_accuracy(p, yte, k, average="micro").item(),
            "precision_macro": multiclass_precision(p, yte, k, average="macro").item(),
            "recall_macro": multiclass_recall(p, yte, k, average="macro").item(),
        }
        res["torchmetrics_eval_no_grad"] = tm
        res["torchmetrics_agrees"] = all(abs(tm[m] - res["eval_no_grad"][m]) < 1e-6 for m in tm)
    except ImportError:
        res["torchmetrics_agrees"] = None
    return res
