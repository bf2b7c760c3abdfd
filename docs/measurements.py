# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Measured outcomes
#
# **The short answer.** An evaluation forward pass run in grad mode keeps every tensor its
# backward pass would need, and that memory grows in step with the batch size. Under
# `torch.no_grad()` or `torch.inference_mode()` nothing at all is kept. Time is a different
# story (section 4): both modes call the same operators, so what `no_grad` can save is the
# graph bookkeeping, and what that is worth depends on the model and the machine. For the
# classifier measured here,
# accuracy, precision, recall and the confusion matrix are exactly the same with or without
# `no_grad`. That is a property of its layers, not a rule: in `eval()` an `nn.TransformerEncoder`
# given a padding mask takes a fused path under `no_grad` that returns exact zeros at the padded
# positions, where grad mode returns ordinary values, so its outputs must be pooled with the mask
# (see [transformer layers](eval-mode.md#transformer-layers-a-fused-path-under-no_grad)). The
# metrics do change between `train()` and `eval()`.
#
# This page types no figure by hand. Every number and plot below is read from a results
# file that the benchmark wrote. Each file records the device, torch version and date of
# its run. To record the figures again on your machine:
#
# ```bash
# nox -s bench    # writes docs/results/bench-cpu.json, or bench-cuda.json on a GPU
# ```
#
# That runs `tests/bench/run.py`, which can also be called directly with `--out PATH`, or
# with `--quick` for a smoke run. Each claim below is also
# asserted by a snippet in `snippets/measurements/`. The snippets assert only what no machine
# can change: bytes, counts of tensors and graph nodes, operator calls, metrics. This page
# shows what one recorded run measured. The code cells check the deterministic figures of
# the record (bytes, counts, metrics), so a results file that breaks one of those statements
# fails the page build. Times are shown with their spread and never bounded: a run on
# another machine records other times, and the page then shows those.

# %%
# Requires: pip install matplotlib
import json
from pathlib import Path

import matplotlib.pyplot as plt


def find_results(name):
    for folder in (Path("results"), Path("docs/results")):
        if (folder / name).is_file():
            return folder / name
    return None


cpu_path = find_results("bench-cpu.json")
assert cpu_path is not None, "docs/results/bench-cpu.json is missing: run `nox -s bench`"
cpu = json.loads(cpu_path.read_text())
cuda_path = find_results("bench-cuda.json")
gpu = json.loads(cuda_path.read_text()) if cuda_path else None

MODES = ("grad", "no_grad", "inference_mode")
MODELS = ("mlp", "cnn", "transformer")


def stamp(run):
    h = run["header"]
    return f"{h['device']} · torch {h['torch_version']} · {h['date_utc'][:10]}"


for run in filter(None, (cpu, gpu)):
    h = run["header"]
    print(f"[{h['platform']}] device: {h['device']}")
    print(f"      torch {h['torch_version']}, Python {h['python_version']}, {h['threads']} thread(s), "
          f"recorded {h['date_utc']} (UTC) in {h['wall_time_s']} s")
    print(f"      command: {h['command']}")
    if h.get("loadavg_at_start"):
        print(f"      load average at start / end: {h['loadavg_at_start'][0]:.2f} / {h['loadavg_at_end'][0]:.2f}")
    if h.get("driver_version"):
        print(f"      driver {h['driver_version']}, CUDA {h.get('cuda_version')}")
    if "float32_matmul_precision" in h:
        print(f"      float32 matmul precision {h['float32_matmul_precision']!r}, "
              f"cuDNN TF32 {h['cudnn_allow_tf32']}, environment {h['env']}")
assert cpu["header"]["platform"] == "cpu" and not cpu["header"]["quick"]
assert gpu is None or (gpu["header"]["platform"] == "cuda" and not gpu["header"]["quick"])
if gpu is None:
    print("\nCUDA figures are pending: no docs/results/bench-cuda.json has been recorded yet. "
          "It is recorded on a GPU runner with `nox -s bench`.")

# %% [markdown]
# ## 1. Memory kept for backward
#
# **What is counted.** Autograd hands every tensor it saves for backward to the `pack_hook`
# of [`torch.autograd.graph.saved_tensors_hooks`](https://docs.pytorch.org/docs/stable/autograd.html#hooks-for-saved-tensors).
# That covers the tensors built-in operations save as well as those saved with
# `save_for_backward`. The benchmark records the storage behind each such tensor and counts
# each storage once, however many tensors or views point into it. It then sorts the storages
# into three kinds:
#
# * **activation**: memory that exists only because a graph was recorded. These are the
#   bytes plotted below.
# * **param**: a parameter or buffer of the model. It is saved, but the model holds it
#   anyway, so it costs nothing extra.
# * **input**: the batch itself, which the caller holds anyway.
#
# This is a deterministic CPU measure. The same model and batch give the same bytes every
# run, unlike the resident size of a process. It counts what the graph *keeps alive after*
# the forward pass. It does not count the short-lived peak inside it. The
# [tutorial on saved tensors hooks](https://docs.pytorch.org/tutorials/intermediate/autograd_saved_tensors_hooks_tutorial.html)
# shows the same mechanism used to move or compress these tensors.
#
# The models are an MLP, a small CNN and a two-layer `TransformerEncoder`, all built in
# code, in `eval()` mode, with random weights.
#
# * In grad mode the forward pass saves activations, and their bytes grow in proportion to
#   the batch size [claim: measurements.grad-mode-saves-activations]. In the recorded run the
#   bytes per sample agree within 1% across batch sizes for the MLP and the CNN, and within
#   10% for the transformer.
# * Under `no_grad` and `inference_mode` the pack hook is never called: zero tensors, zero
#   bytes [claim: measurements.no-grad-saves-nothing].
# * Some weights are among the saved tensors. In the MLP the first layer's weight is not,
#   because that layer's input needs no gradient. Either way the weights are not extra memory
#   [claim: measurements.params-among-saved].
#
# How much this matters depends on how large the activations are next to the weights, and the
# last column of the table prints that ratio. For the MLP at batch 1 the saved activations
# are under a tenth of its weights. For the CNN at its largest batch they are more than ten
# times its weights.

# %%
rows = {m: cpu["memory"][m]["rows"] for m in MODELS}
print(f"{'model':12} {'batch':>5}  {'grad: activation':>17}  {'param':>10}  {'input':>9}  "
      f"{'no_grad':>8}  {'inference':>9}  {'model weights':>13}  {'activ./weights':>14}")
for m in MODELS:
    by = {(r["batch"], r["mode"]): r for r in rows[m]}
    for b in sorted({r["batch"] for r in rows[m]}):
        g = by[(b, "grad")]
        print(f"{m:12} {b:>5}  {g['activation_bytes']:>17,}  {g['param_bytes']:>10,}  {g['input_bytes']:>9,}  "
              f"{by[(b, 'no_grad')]['activation_bytes']:>8,}  {by[(b, 'inference_mode')]['activation_bytes']:>9,}  "
              f"{cpu['memory'][m]['parameter_bytes']:>13,}  "
              f"{g['activation_bytes'] / cpu['memory'][m]['parameter_bytes']:>14.3g}")

# Invariants of the recorded data (a failing cell fails the page build).
for m in MODELS:
    grad_rows = sorted((r for r in rows[m] if r["mode"] == "grad"), key=lambda r: r["batch"])
    for r in rows[m]:
        if r["mode"] != "grad":  # nothing at all is saved
            assert r["n_saved_tensors"] == 0 and r["activation_bytes"] == r["param_bytes"] == 0, (m, r)
    assert all(r["activation_bytes"] > 0 for r in grad_rows), m
    per_sample = [r["activation_bytes"] / r["batch"] for r in grad_rows]
    # linear in the batch: bytes per sample agree within 1% (MLP, CNN) or 10% (transformer)
    tolerance = 1.10 if m == "transformer" else 1.01
    assert max(per_sample) <= tolerance * min(per_sample), (m, per_sample)
    # some weights are saved, never more than the model has
    assert all(r["params_among_saved"] for r in grad_rows), m
    assert all(0 < r["param_bytes"] <= cpu["memory"][m]["parameter_bytes"] for r in grad_rows), m
assert all(r["param_bytes"] < cpu["memory"]["mlp"]["parameter_bytes"] for r in rows["mlp"])  # not all weights
ratio = {m: {r["batch"]: r["activation_bytes"] / cpu["memory"][m]["parameter_bytes"]
             for r in rows[m] if r["mode"] == "grad"} for m in MODELS}
assert ratio["mlp"][1] < 0.1 and ratio["cnn"][max(ratio["cnn"])] > 10, ratio

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, m in zip(axes, MODELS, strict=True):
    for mode, style in zip(MODES, ("o-", "s--", "^:"), strict=True):
        pts = sorted((r["batch"], r["activation_bytes"] / 2**20) for r in rows[m] if r["mode"] == mode)
        ax.plot(*zip(*pts, strict=True), style, label=mode)
    ax.axhline(cpu["memory"][m]["parameter_bytes"] / 2**20, color="grey", lw=0.8, label="model weights")
    ax.set_title(cpu["memory"][m]["description"], fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size")
    ax.set_ylabel("saved activations (MiB)")
axes[0].legend(fontsize=8)
fig.suptitle(f"Bytes kept for backward by one evaluation forward pass — {stamp(cpu)}", fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. What the CUDA allocator sees
#
# On a GPU the benchmark reads PyTorch's caching allocator directly. It first runs each
# model once in every mode: cuBLAS allocates its workspace through the same allocator on
# the first matrix product and keeps it, and that must not be counted. Then, for each
# measurement, it calls `torch.cuda.synchronize()` and `torch.cuda.reset_peak_memory_stats()`,
# notes `torch.cuda.memory_allocated()`, runs the forward pass and keeps its output alive,
# then synchronizes again. The increase in `memory_allocated()` is what the output and its
# graph occupy, and `max_memory_allocated()` gives the peak during the pass, transient
# buffers included. `memory_allocated()` counts whole allocator blocks, and the allocator
# rounds each block up to a multiple of 512 bytes, so its figure can only be equal to or
# larger than the saved-bytes count. The cell below checks, for every recorded row, that
# the increase is at least the saved activations plus the output, and that it is smaller
# under `no_grad` than in grad mode. For the MLP, the snippet checks more: the saved
# activations on the GPU have the same bytes as on CPU, in grad mode the increase is those
# bytes plus the output's and exceeds them by less than 512 bytes per block, and under
# `no_grad` it is the output's bytes within the same rounding
# [claim: measurements.cuda-allocator-matches-saved-bytes].
#
# Two other common readings measure something else:
#
# * `torch.cuda.memory_reserved()` is what the caching allocator holds from the driver.
#   Freed blocks stay reserved, ready to be handed out again, so this figure keeps the
#   high-water mark of earlier work. It does not drop when a graph is freed, only when
#   cached blocks are handed back to the driver, as `torch.cuda.empty_cache()` does. See
#   [CUDA memory management](https://docs.pytorch.org/docs/stable/notes/cuda.html#memory-management)
#   and the [`torch.cuda` memory functions](https://docs.pytorch.org/docs/stable/cuda.html#memory-management).
# * `nvidia-smi` sees the same reserved memory, plus the CUDA context and the loaded kernels.
#   These take a sizable fixed amount before the first tensor exists. Like
#   `memory_reserved()`, it cannot tell a freed graph from a live one.

# %%
if gpu is None:
    print("CUDA figures are pending: they come from docs/results/bench-cuda.json, recorded on a GPU "
          "runner with `nox -s bench`, and no such file has been recorded yet.")
else:
    print(f"{'model':12} {'batch':>5} {'mode':>15}  {'saved act.+output':>17}  {'allocated delta':>15}  "
          f"{'peak delta':>12}")
    pts = []
    for m in MODELS:
        for r in gpu["memory"][m]["rows"]:
            print(f"{m:12} {r['batch']:>5} {r['mode']:>15}  {r['expected_min_alive_bytes']:>17,}  "
                  f"{r['alive_delta']:>15,}  {r['peak_delta']:>12,}")
            # the allocator cannot hold less than the live tensors it serves
            assert r["alive_delta"] >= r["expected_min_alive_bytes"], (m, r)
            if r["mode"] == "grad":
                pts.append((r["expected_min_alive_bytes"], r["alive_delta"], m))
        for b in {r["batch"] for r in gpu["memory"][m]["rows"]}:
            by = {r["mode"]: r for r in gpu["memory"][m]["rows"] if r["batch"] == b}
            assert by["no_grad"]["activation_bytes"] == by["inference_mode"]["activation_bytes"] == 0
            assert by["no_grad"]["alive_delta"] < by["grad"]["alive_delta"], (m, b)
    fig, ax = plt.subplots(figsize=(5, 4))
    for m in MODELS:
        xs = [p[0] / 2**20 for p in pts if p[2] == m]
        ys = [p[1] / 2**20 for p in pts if p[2] == m]
        ax.loglog(xs, ys, "o", label=m)
    lim = [min(p[0] for p in pts) / 2**20, max(p[1] for p in pts) / 2**20]
    ax.loglog(lim, lim, "k:", lw=0.8, label="equal")
    ax.set_xlabel("saved activations + output (MiB, hooks)")
    ax.set_ylabel("memory_allocated increase (MiB)")
    ax.legend(fontsize=8)
    ax.set_title(stamp(gpu), fontsize=8)
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## 3. The evaluation-loop leak
#
# A validation loop that runs in grad mode and sums `running_loss += loss` builds a tensor
# whose graph reaches back through every iteration. Each iteration's saved activations stay
# alive until that sum is freed, so after N iterations the loop holds N times the
# memory of one [claim: measurements.loss-accumulation-grows-linearly]. With
# `running_loss += loss.item()` the sum is a Python float. Each graph is freed when `loss`
# is rebound, so the memory stays at one iteration's worth, and under `no_grad` it stays at
# zero [claim: measurements.item-accumulation-stays-flat].
#
# The benchmark tracks the saved tensors that are *alive* after each iteration. The
# pack hook wraps each saved tensor in a small object, and that object dies when the graph
# holding it is freed. The cell below checks the recorded curves: with `+= loss` the bytes
# after iteration N are N times those after the first (within 1%), with `+= loss.item()`
# they stay at the first iteration's bytes (within 1%), and under `no_grad` they are zero.
# On a GPU a second plot shows the `memory_allocated()` increase, which also counts each
# iteration's input batch (the first layer saves it) and the live output. There the cell
# checks that the `+= loss` curve rises at every iteration and that the `+= loss.item()`
# curve varies by less than one such step.

# %%
leak = cpu["leak"]
curves = {v: leak[v]["live_saved_activation_bytes"] for v in ("tensor", "item", "no_grad_tensor")}
n = leak["n_iter"]
one = curves["tensor"][0]
print(f"MLP, batch {leak['batch']}, {n} iterations — live saved bytes after iteration 1 / {n}:")
for v, label in (("tensor", "running_loss += loss"), ("item", "running_loss += loss.item()"),
                 ("no_grad_tensor", "+= loss under no_grad")):
    print(f"  {label:30} {curves[v][0]:>12,} / {curves[v][-1]:>12,}")

assert one > 0 and leak["tensor"]["loss_has_grad_fn"]
assert all(abs(k - (i + 1) * one) <= 0.01 * (i + 1) * one for i, k in enumerate(curves["tensor"]))  # linear, 1%
assert max(curves["item"]) <= 1.01 * min(curves["item"]) and curves["item"][0] <= 1.01 * one  # flat
assert set(curves["no_grad_tensor"]) == {0}

fig, axes = plt.subplots(1, 2 if gpu else 1, figsize=(11 if gpu else 6, 3.8), squeeze=False)
ax = axes[0][0]
its = range(1, n + 1)
ax.plot(its, [b / 2**20 for b in curves["tensor"]], label="running_loss += loss")
ax.plot(its, [b / 2**20 for b in curves["item"]], label="running_loss += loss.item()")
ax.plot(its, [b / 2**20 for b in curves["no_grad_tensor"]], "--", label="+= loss under no_grad")
ax.set_xlabel("iteration")
ax.set_ylabel("saved tensors kept alive (MiB)")
ax.set_title(f"CPU saved-tensor measure — {stamp(cpu)}", fontsize=8)
ax.legend(fontsize=8)
if gpu:
    alloc = {v: gpu["leak"][v]["cuda_memory_allocated_delta"] for v in ("tensor", "item")}
    steps = [b - a for a, b in zip(alloc["tensor"], alloc["tensor"][1:], strict=False)]
    assert len(alloc["tensor"]) == len(alloc["item"]) == gpu["leak"]["n_iter"] and min(steps) > 0, steps
    assert max(alloc["item"]) - min(alloc["item"]) < min(steps), alloc["item"]
    ax = axes[0][1]
    for v, label in (("tensor", "running_loss += loss"), ("item", "running_loss += loss.item()")):
        ax.plot(its, [b / 2**20 for b in gpu["leak"][v]["cuda_memory_allocated_delta"]], label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("memory_allocated increase (MiB)")
    ax.set_title(f"CUDA allocator — {stamp(gpu)}", fontsize=8)
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 4. Speed
#
# Each forward pass was timed with
# [`torch.utils.benchmark.Timer.blocked_autorange`](https://docs.pytorch.org/docs/stable/benchmark_utils.html).
# It warms up, chooses how many calls to time per block, and its default clock synchronizes
# CUDA before it is read, so GPU work is counted. The three modes were measured in
# interleaved rounds, so a change in machine load affects all of them alike. The output is
# dropped after every call, so grad mode pays for building *and* freeing its graph, as an
# evaluation loop does.
#
# The CPU runs use one thread and time it with its own CPU time (`time.thread_time`), not
# the wall clock. On a shared machine, other processes take the cores for stretches of
# time. A wall clock would count those waits and scatter the results, while the thread's
# CPU time does not. The results header names the clock and the load average. CUDA runs use
# the wall clock, since the GPU's time must be counted.
#
# Two summaries are shown. In each round the grad-mode median is divided by the other
# mode's median. The bars show the median of these per-round speed-ups, with their
# interquartile range as the error bar. The dots show the ratio of the fastest blocks over
# all rounds. That ratio rests on two single blocks, so read it as a cross-check of the
# median rather than as a figure of its own. A value of 1.0 means no difference.
#
# What the snippet asserts is structure, not time. For a two-layer MLP at batch 32, grad mode
# and `no_grad` call exactly the same ATen operators, as many times; grad mode only adds its
# graph, 5 nodes, and keeps 65,536 bytes of activations for backward, where `no_grad` keeps
# none [claim: measurements.no-grad-speedup-small-when-compute-bound]. Grad mode builds one
# node per differentiable operator call, so a deep, narrow MLP (25 layers of width 16) at
# batch 1 gets 75 nodes for 6,400 multiply-adds, more than 1,000 times as many nodes per
# multiply-add as the two-layer MLP [claim: measurements.no-grad-saves-per-op-overhead].
# Where arithmetic dominates, that bookkeeping is a small share of the time; where many tiny
# operations run, it is a larger one.
#
# What that was worth on the recorded machine is printed below the table, computed from the
# record: whether the `deep-narrow-mlp` rows show a larger median speed-up than the `mlp`
# rows, and the largest median speed-up of the MLP and the CNN. None of this is asserted,
# since another machine records other times.
#
# The `transformer` rows include something other than autograd. In `eval()` with gradients
# disabled, `nn.TransformerEncoderLayer` switches to a fused "fast path" kernel
# ([documented conditions](https://docs.pytorch.org/docs/stable/generated/torch.nn.TransformerEncoderLayer.html),
# [source at v2.13.0](https://github.com/pytorch/pytorch/blob/v2.13.0/torch/nn/modules/transformer.py#L795-L954)).
# The `transformer-no-fastpath` rows turn it off with
# `torch.backends.mha.set_fastpath_enabled(False)` to isolate the effect of autograd; the
# cell prints whether their median speed-up is smaller than that of the `transformer` rows.
# The benchmark's transformer gets no padding mask, so the fast path here changes only the
# kernels, not the values at padded positions (see
# [transformer layers](eval-mode.md#transformer-layers-a-fused-path-under-no_grad)).

# %%
timing = cpu["timing"]
labels, ng, ng_err, im, im_err, ng_best, im_best = [], [], [], [], [], [], []
print(f"{timing['reps']} interleaved rounds of blocked_autorange(min_run_time={timing['min_run_time_s']}), "
      f"{timing['num_threads']} thread(s), clock: {timing['clock']}")
print(f"{'model':24} {'batch':>5}  {'grad median':>12}  {'no_grad: median [IQR] / best':>30}  "
      f"{'inference_mode: median [IQR] / best':>37}  {'throughput grad → no_grad':>26}")
for name, entry in timing["models"].items():
    for r in entry["rows"]:
        s_ng, s_im = r["no_grad"]["speedup_vs_grad"], r["inference_mode"]["speedup_vs_grad"]
        b_ng, b_im = r["no_grad"]["speedup_best_vs_grad"], r["inference_mode"]["speedup_best_vs_grad"]
        print(f"{name:24} {r['batch']:>5}  {r['grad']['median_s'] * 1e6:>9.0f} µs  "
              f"{s_ng['median']:>9.2f}x [{s_ng['p25']:.2f}–{s_ng['p75']:.2f}] / {b_ng:.2f}x  "
              f"{s_im['median']:>16.2f}x [{s_im['p25']:.2f}–{s_im['p75']:.2f}] / {b_im:.2f}x  "
              f"{r['grad']['throughput_per_s']:>11,.0f} → {r['no_grad']['throughput_per_s']:,.0f} /s")
        labels.append(name.replace("-", "-\n") + f"\nb={r['batch']}")
        ng.append(s_ng["median"])
        ng_err.append((s_ng["median"] - s_ng["p25"], s_ng["p75"] - s_ng["median"]))
        im.append(s_im["median"])
        im_err.append((s_im["median"] - s_im["p25"], s_im["p75"] - s_im["median"]))
        ng_best.append(b_ng)
        im_best.append(b_im)
        # the record is complete and its summary matches its rounds (no bound on the times)
        assert len(s_ng["per_round"]) == len(s_im["per_round"]) == timing["reps"]
        assert s_ng["p25"] <= s_ng["median"] <= s_ng["p75"] and s_im["p25"] <= s_im["median"] <= s_im["p75"]

median_ng = {(name, r["batch"]): r["no_grad"]["speedup_vs_grad"]["median"]
             for name, entry in timing["models"].items() for r in entry["rows"]}
batches = sorted({b for _, b in median_ng})
assert not timing["models"]["transformer-no-fastpath"]["fastpath_enabled"]
# What the recorded run shows, printed from the record (not asserted: times depend on the machine).
largest = max(median_ng[(m, b)] for m in ("mlp", "cnn") for b in batches)
print(f"\nIn this record: largest median no_grad speed-up of the MLP and the CNN: {largest:.2f}x")
deeper = [b for b in batches if median_ng[("deep-narrow-mlp", b)] > median_ng[("mlp", b)]]
print(f"  deep-narrow-mlp median speed-up above mlp at batches {deeper} of {batches}")
fused = [b for b in batches if median_ng[("transformer", b)] > median_ng[("transformer-no-fastpath", b)]]
print(f"  transformer median speed-up above transformer-no-fastpath at batches {fused} of {batches}")

fig, ax = plt.subplots(figsize=(14, 4.5))
xs = range(len(labels))
ax.bar([x - 0.2 for x in xs], ng, 0.4, yerr=list(zip(*ng_err, strict=True)), capsize=2, label="no_grad (median, IQR)")
ax.bar([x + 0.2 for x in xs], im, 0.4, yerr=list(zip(*im_err, strict=True)), capsize=2,
       label="inference_mode (median, IQR)")
ax.plot([x - 0.2 for x in xs], ng_best, "k.", label="fastest block vs fastest block")
ax.plot([x + 0.2 for x in xs], im_best, "k.")
ax.axhline(1.0, color="k", lw=0.8)
ax.set_xticks(list(xs), labels, fontsize=7)
ax.set_ylabel("speed-up vs grad mode (×)")
ax.set_title(f"Forward-pass speed-up over grad mode — {stamp(cpu)}", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

if gpu is None:
    print("CUDA timings are pending (docs/results/bench-cuda.json has not been recorded yet).")
else:
    for name, entry in gpu["timing"]["models"].items():
        for r in entry["rows"]:
            s_ng, s_im = r["no_grad"]["speedup_vs_grad"], r["inference_mode"]["speedup_vs_grad"]
            print(f"[cuda] {name:24} b={r['batch']:>4}  grad {r['grad']['median_s'] * 1e6:8.0f} µs  "
                  f"no_grad {s_ng['median']:.2f}x [{s_ng['p25']:.2f}–{s_ng['p75']:.2f}]  "
                  f"inference_mode {s_im['median']:.2f}x [{s_im['p25']:.2f}–{s_im['p75']:.2f}]")

# %% [markdown]
# ## 5. Metrics
#
# The model is a small classifier with `BatchNorm1d` and `Dropout(0.5)`, trained briefly on
# synthetic three-class data and evaluated in mini-batches of 20. In `eval()` mode its logits
# are bitwise equal with and without `no_grad`, so every metric and every cell of the
# confusion matrix matches. `no_grad` changes what autograd records. It does not change what
# the model computes [claim: measurements.metrics-identical-with-no-grad].
#
# `train()` versus `eval()` is a different switch. In `train()` mode dropout is active and
# batch norm normalizes each mini-batch with that batch's own statistics, so the predictions
# and the metrics move, and they vary with the random seed (the runs below use different
# seeds). Such a forward pass also updates batch norm's running statistics, even under
# `no_grad` [claim: measurements.train-mode-changes-metrics]. The metrics below are computed
# with plain tensor operations. When `torchmetrics` is installed, the benchmark also
# computes them with it; the output says whether that cross-check ran and agreed.

# %%
met = cpu["metrics"]


def fmt(r):
    return f"accuracy {r['accuracy']:.4f}  precision {r['precision_macro']:.4f}  recall {r['recall_macro']:.4f}"


print(f"{met['n_test']} test samples, {met['n_classes']} classes, mini-batches of {met['eval_batch']}")
for key, label in (("eval_grad", "eval(), grad mode"), ("eval_no_grad", "eval(), no_grad"),
                   ("eval_inference_mode", "eval(), inference_mode")):
    print(f"  {label:26} {fmt(met[key])}   confusion {met[key]['confusion_matrix']}")
for i, r in enumerate(met["train_no_grad"]):
    print(f"  {'train(), no_grad, seed ' + str(i):26} {fmt(r)}   confusion {r['confusion_matrix']}")
print(f"  logits bitwise equal across modes: {met['eval_logits_bitwise_equal']}; "
      f"torchmetrics cross-check: {({True: 'agrees', False: 'DISAGREES', None: 'not run'})[met['torchmetrics_agrees']]}; "
      f"train() forward under no_grad updated running_mean: {met['train_mode_updated_running_mean']}")

assert met["eval_logits_bitwise_equal"] and met["eval_logits_max_abs_diff"] == 0.0
assert met["eval_grad"] == met["eval_no_grad"] == met["eval_inference_mode"]
assert all(r != met["eval_no_grad"] for r in met["train_no_grad"])
assert any(r != met["train_no_grad"][0] for r in met["train_no_grad"][1:])  # varies with the seed
assert met["train_mode_updated_running_mean"]
assert met["torchmetrics_agrees"] in (True, None)

fig, axes = plt.subplots(1, 3, figsize=(10, 3.3))
for ax, (title, cm) in zip(
    axes,
    (("eval(), grad mode", met["eval_grad"]["confusion_matrix"]),
     ("eval(), no_grad", met["eval_no_grad"]["confusion_matrix"]),
     ("train(), no_grad (seed 0)", met["train_no_grad"][0]["confusion_matrix"])),
    strict=True,
):
    ax.imshow(cm, cmap="Oranges")
    for i, row in enumerate(cm):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=9)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_xticks(range(len(cm)))
    ax.set_yticks(range(len(cm)))
fig.suptitle(f"Confusion matrices — {stamp(cpu)}", fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Versions verified
#
# The figures on this page come from the run whose header is printed at the top. It records
# the torch version, device and date of that run. The claim badges show where and with which
# torch version each snippet last passed. The measurement code is in `tests/bench/measure.py`,
# with its definitions in the module docstring. The PyTorch sources for each method:
# [saved tensors hooks](https://docs.pytorch.org/docs/stable/autograd.html#hooks-for-saved-tensors),
# [`torch.cuda` memory management](https://docs.pytorch.org/docs/stable/notes/cuda.html#memory-management),
# [`torch.utils.benchmark`](https://docs.pytorch.org/docs/stable/benchmark_utils.html) and
# [locally disabling gradient computation](https://docs.pytorch.org/docs/stable/notes/autograd.html#locally-disabling-gradient-computation).
