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
# its run. To record the figures again on your machine, run `nox -s bench`: it writes
# `docs/results/bench-cpu.json`, or `bench-cuda.json` on a GPU.
#
# That runs `tests/bench/run.py`, which can also be called directly with `--out PATH`, or
# with `--quick` for a smoke run. Each claim below is also
# asserted by a snippet in `snippets/measurements/`. The snippets assert only what no machine
# can change: bytes, counts of tensors and graph nodes, operator calls, metrics. This page
# shows what one recorded run measured. Its code, hidden here, is in the
# [page's source](measurements.py): it draws the tables and figures from the record and
# checks the deterministic figures of the record (bytes, counts, metrics), so a results file
# that breaks one of those statements fails the page build. Times are shown with their spread and never bounded: a run on
# another machine records other times, and the page then shows those.

# %% tags=["hide-input"]
# Requires: pip install matplotlib
# Setup: read the results files and define how tables and figures are shown. Every input cell of
# this page is hidden on the site (tag hide-input); the page's source file holds them all.
import html
import io
import json
import math
import re
from pathlib import Path

import matplotlib.pyplot as plt
from cycler import cycler
from IPython.display import HTML, display
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter


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

# Figures are inline SVG whose colours follow the page's light or dark scheme: matplotlib draws
# with placeholder colours, which become CSS colours (docs/stylesheets/notebook.css) in the SVG.
FG, GRID = "#0a0b0c", "#0a0b0d"
SERIES = ["#0a0b01", "#0a0b02", "#0a0b03", "#0a0b04"]
CSS_COLOURS = {FG: "currentColor", GRID: "var(--nb-plot-grid)"} | {
    c: f"var(--nb-plot-{i})" for i, c in enumerate(SERIES, start=1)
}
plt.rcParams.update({
    "svg.fonttype": "none",  # text stays text: small, selectable, coloured by CSS
    "font.size": 10,
    "text.color": FG,
    "axes.labelcolor": FG,
    "axes.edgecolor": FG,
    "xtick.color": FG,
    "ytick.color": FG,
    "axes.prop_cycle": cycler(color=SERIES),
    "axes.grid": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 2,
    "lines.markersize": 7,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.transparent": True,
})


def unwrap_groups(svg):
    """Drop the <g> elements that carry no attribute, keeping what they hold."""
    out, stack, last = [], [], 0
    for tag in re.finditer(r"<g\b[^>]*>|</g>", svg):
        out.append(svg[last : tag.start()])
        last = tag.end()
        if tag[0] == "</g>":
            if stack.pop():
                out.append("</g>")
        else:
            keep = tag[0] != "<g>"
            stack.append(keep)
            if keep:
                out.append(tag[0])
    return "".join(out) + svg[last:]


def show_figure(fig, name, alt, caption):
    """Show `fig` as an inline SVG with a text alternative (`alt`) and a visible caption."""
    plt.rcParams["svg.hashsalt"] = name  # stable, page-unique element ids
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*|<style type=\"text/css\">.*?</style>\s*", "", svg, flags=re.S)
    # Smaller markup, same drawing: the font list goes to the stylesheet; no group ids, clipping to
    # the axes (nothing is drawn outside them), no-op rotations or line breaks; coordinates (in
    # attributes, never in the text) to 0.1 pt.
    svg = re.sub(r"font-family: [^;\"]+;? ?", "", svg)
    svg = re.sub(r'<g id="[^"]*">', "<g>", svg)
    svg = re.sub(r' clip-path="url\(#[^)]*\)"|<clipPath\b.*?</clipPath>', "", svg, flags=re.S)
    svg = re.sub(r' transform="rotate\(-0 [^)]*\)"', "", svg)
    svg = re.sub(r'="[^"]*"', lambda value: re.sub(r"(\d+\.\d)\d+", r"\1", value[0]), svg)
    svg = re.sub(r"\s*\n\s*", " ", svg).replace("> <", "><")
    svg = unwrap_groups(svg)
    view_box = re.search(r'viewBox="([^"]+)"', svg)[1]
    # Never narrower than its own size (one unit, one CSS pixel): its 10 pt text stays >= 10 px on a
    # phone, where the figure scrolls sideways inside its box instead (docs/stylesheets/notebook.css).
    width = math.ceil(float(view_box.split()[2]))
    svg = re.sub(
        r"<svg\b[^>]*>",
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="{view_box}" style="min-width: {width}px" role="img" aria-label="{html.escape(alt)}">',
        svg,
        count=1,
    )
    for placeholder, css in CSS_COLOURS.items():
        svg = svg.replace(placeholder, css)
    assert "#0a0b0" not in svg, "a colour was left unmapped"
    display(HTML(f'<figure class="nb-figure" id="figure-{name}" tabindex="0" data-search-exclude>{svg}'
                 f"<figcaption>{caption}</figcaption></figure>"))


def show_table(header, rows, numeric=(), caption=None):
    """Show an HTML table; the columns whose index is in `numeric` are right-aligned."""
    def cell(tag, i, text):
        align = f' class="{tag}-num"' if i in numeric else ""  # right-aligned; figures do not wrap
        return f"<{tag}{align}>{text}</{tag}>"

    head = "".join(cell("th", i, html.escape(h)) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, html.escape(str(v))) for i, v in enumerate(r)) + "</tr>"
                   for r in rows)
    title = f"<caption>{caption}</caption>" if caption else ""
    display(HTML(f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"))


def note(text):
    display(HTML(f"<p>{text}</p>"))


def size(n):
    """Bytes as a reader reads them: 4 KiB, 1.5 MiB."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:g} B"


bytes_axis = FuncFormatter(lambda v, _: size(v))


def stamp(run):
    h = run["header"]
    return f"{h['device']} · torch {h['torch_version']} · {h['date_utc'][:10]}"


runs = [run for run in (cpu, gpu) if run]
fields = [
    ("device", lambda h: h["device"]),
    ("torch", lambda h: h["torch_version"]),
    ("Python", lambda h: h["python_version"]),
    ("threads", lambda h: h["threads"]),
    ("recorded (UTC)", lambda h: h["date_utc"]),
    ("wall time", lambda h: f"{h['wall_time_s']} s"),
    ("command", lambda h: h["command"]),
    ("load average at start / end", lambda h: f"{h['loadavg_at_start'][0]:.2f} / {h['loadavg_at_end'][0]:.2f}"
     if h.get("loadavg_at_start") else "–"),
    ("driver, CUDA", lambda h: f"{h['driver_version']}, CUDA {h.get('cuda_version')}" if h.get("driver_version")
     else "–"),
    ("float32 matmul precision, cuDNN TF32, environment",
     lambda h: f"{h['float32_matmul_precision']!r}, {h['cudnn_allow_tf32']}, {h['env']}"
     if "float32_matmul_precision" in h else "–"),
]
show_table(["recorded run"] + [run["header"]["platform"] for run in runs],
           [[label] + [get(run["header"]) for run in runs] for label, get in fields],
           caption="The runs whose figures this page shows")
if gpu is None:
    note("CUDA figures are pending: no <code>docs/results/bench-cuda.json</code> has been recorded yet. "
         "It is recorded on a GPU runner with <code>nox -s bench</code>.")

assert cpu["header"]["platform"] == "cpu" and not cpu["header"]["quick"]
assert gpu is None or (gpu["header"]["platform"] == "cuda" and not gpu["header"]["quick"])

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
# last column of the table shows that ratio. For the MLP at batch 1 the saved activations
# are under a tenth of its weights. For the CNN at its largest batch they are more than ten
# times its weights.

# %% tags=["hide-input"]
rows = {m: cpu["memory"][m]["rows"] for m in MODELS}
weights = {m: cpu["memory"][m]["parameter_bytes"] for m in MODELS}
show_table(["model", "architecture", "parameters", "weights (bytes)"],
           [[m, cpu["memory"][m]["description"], f"{cpu['memory'][m]['n_parameters']:,}", f"{weights[m]:,}"]
            for m in MODELS], numeric=(2, 3), caption="The models, in <code>eval()</code> mode")
table = []
for m in MODELS:
    by = {(r["batch"], r["mode"]): r for r in rows[m]}
    for b in sorted({r["batch"] for r in rows[m]}):
        g = by[(b, "grad")]
        table.append([m, b, f"{g['activation_bytes']:,}", f"{g['param_bytes']:,}", f"{g['input_bytes']:,}",
                      f"{by[(b, 'no_grad')]['activation_bytes']:,} / {by[(b, 'inference_mode')]['activation_bytes']:,}",
                      f"{g['activation_bytes'] / weights[m]:.3g}"])
show_table(["model", "batch", "grad: activation", "grad: param", "grad: input", "no_grad / inference_mode",
            "activation / weights"], table, numeric=range(1, 7),
           caption="Bytes saved for backward by one forward pass")

ratio = {m: {r["batch"]: r["activation_bytes"] / weights[m] for r in rows[m] if r["mode"] == "grad"}
         for m in MODELS}
grad_bytes = {m: sorted((r["batch"], r["activation_bytes"]) for r in rows[m] if r["mode"] == "grad")
              for m in MODELS}
fig, ax = plt.subplots(figsize=(4.8, 3.6))
for m, marker, colour in zip(MODELS, "os^", SERIES[:3], strict=True):
    ax.plot(*zip(*grad_bytes[m], strict=True), marker=marker, color=colour, label=f"{m}: grad mode")
    ax.axhline(weights[m], color=colour, lw=1.2, ls=":", label=f"{m}: model weights")
ax.set_xscale("log", base=2)
ax.set_yscale("log", base=2)
ax.yaxis.set_major_locator(LogLocator(base=2, numticks=20))
ax.yaxis.set_major_formatter(bytes_axis)
ax.yaxis.set_minor_formatter(NullFormatter())
ax.set_xticks(sorted({b for m in MODELS for b, _ in grad_bytes[m]}))
ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
ax.set_xlabel("batch size")
ax.set_ylabel("bytes saved for backward")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
describe = "; ".join(
    f"{m}: {size(grad_bytes[m][0][1])} at batch {grad_bytes[m][0][0]} to {size(grad_bytes[m][-1][1])} "
    f"at batch {grad_bytes[m][-1][0]}, model weights {size(weights[m])}" for m in MODELS
)
show_figure(
    fig, "saved-bytes",
    alt="Line chart on log-log axes: the activation bytes one grad-mode forward pass saves for backward "
        f"grow in proportion to the batch size for each model ({describe}). Under no_grad and "
        "inference_mode nothing is saved, so those modes have no point on a log scale.",
    caption=f"Activation bytes kept for backward in grad mode, by batch size, with each model's weights "
            f"for scale (dotted). <code>no_grad</code> and <code>inference_mode</code> save 0 bytes (table "
            f"above) and cannot be drawn on a log scale. {stamp(cpu)}",
)

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
    assert all(0 < r["param_bytes"] <= weights[m] for r in grad_rows), m
assert all(r["param_bytes"] < weights["mlp"] for r in rows["mlp"])  # not all weights
assert ratio["mlp"][1] < 0.1 and ratio["cnn"][max(ratio["cnn"])] > 10, ratio

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
# larger than the saved-bytes count. The page's code checks, for every recorded row, that
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

# %% tags=["hide-input"]
if gpu is None:
    note("CUDA figures are pending: they come from <code>docs/results/bench-cuda.json</code>, recorded on a "
         "GPU runner with <code>nox -s bench</code>, and no such file has been recorded yet.")
else:
    table, pts = [], []
    for m in MODELS:
        for r in gpu["memory"][m]["rows"]:
            table.append([m, r["batch"], r["mode"], f"{r['expected_min_alive_bytes']:,}", f"{r['alive_delta']:,}",
                          f"{r['peak_delta']:,}"])
            if r["mode"] == "grad":
                pts.append((r["expected_min_alive_bytes"], r["alive_delta"], m))
    show_table(["model", "batch", "mode", "saved activations + output", "memory_allocated increase",
                "peak increase"], table, numeric=(1, 3, 4, 5),
               caption=f"What the CUDA caching allocator sees, in bytes ({stamp(gpu)})")
    fig, ax = plt.subplots(figsize=(4.8, 3.8))
    for m, marker in zip(MODELS, "os^", strict=True):
        ax.loglog([p[0] for p in pts if p[2] == m], [p[1] for p in pts if p[2] == m], marker, label=m)
    lim = [min(p[0] for p in pts), max(p[1] for p in pts)]
    ax.loglog(lim, lim, ":", color=FG, lw=1, label="equal")
    ax.xaxis.set_major_formatter(bytes_axis)
    ax.yaxis.set_major_formatter(bytes_axis)
    ax.set_xlabel("saved activations + output (hooks)")
    ax.set_ylabel("memory_allocated() increase")
    ax.legend()
    show_figure(
        fig, "cuda-allocator",
        alt="Scatter plot on log-log axes: for every model and batch size in grad mode, the increase of "
            "torch.cuda.memory_allocated() lies on or above the line where it equals the saved activation "
            "bytes plus the output bytes counted by the hooks.",
        caption=f"CUDA allocator increase against the bytes counted by the saved-tensor hooks, grad mode. "
                f"{stamp(gpu)}",
    )

    for m in MODELS:
        for r in gpu["memory"][m]["rows"]:
            # the allocator cannot hold less than the live tensors it serves
            assert r["alive_delta"] >= r["expected_min_alive_bytes"], (m, r)
        for b in {r["batch"] for r in gpu["memory"][m]["rows"]}:
            by = {r["mode"]: r for r in gpu["memory"][m]["rows"] if r["batch"] == b}
            assert by["no_grad"]["activation_bytes"] == by["inference_mode"]["activation_bytes"] == 0
            assert by["no_grad"]["alive_delta"] < by["grad"]["alive_delta"], (m, b)

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
# holding it is freed. The page's code checks the recorded curves: with `+= loss` the bytes
# after iteration N are N times those after the first (within 1%), with `+= loss.item()`
# they stay at the first iteration's bytes (within 1%), and under `no_grad` they are zero.
# On a GPU a second plot shows the `memory_allocated()` increase, which also counts each
# iteration's input batch (the first layer saves it) and the live output. There the code
# checks that the `+= loss` curve rises at every iteration and that the `+= loss.item()`
# curve varies by less than one such step.

# %% tags=["hide-input"]
leak = cpu["leak"]
curves = {v: leak[v]["live_saved_activation_bytes"] for v in ("tensor", "item", "no_grad_tensor")}
n = leak["n_iter"]
one = curves["tensor"][0]
LEAK_LABELS = {"tensor": "running_loss += loss", "item": "running_loss += loss.item()",
               "no_grad_tensor": "running_loss += loss under no_grad"}
show_table(["accumulation", "after iteration 1", f"after iteration {n}"],
           [[LEAK_LABELS[v], f"{curves[v][0]:,}", f"{curves[v][-1]:,}"] for v in curves], numeric=(1, 2),
           caption=f"Saved tensors alive, in bytes: {leak['model']}, batch {leak['batch']}, {n} iterations")

its = range(1, n + 1)
fig, ax = plt.subplots(figsize=(4.8, 3.4))
for (v, label), style in zip(LEAK_LABELS.items(), ("-", "-", "--"), strict=True):
    ax.plot(its, [b / 2**20 for b in curves[v]], style, label=label)
ax.set_xlabel("iteration")
ax.set_ylabel("saved tensors alive (MiB)")
ax.set_ylim(bottom=0)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))
show_figure(
    fig, "leak-cpu",
    alt=f"Line chart over {n} evaluation iterations: with running_loss += loss the saved tensors kept "
        f"alive rise in a straight line from {size(curves['tensor'][0])} to {size(curves['tensor'][-1])}; "
        f"with running_loss += loss.item() they stay at {size(curves['item'][-1])}; under no_grad they "
        f"stay at {size(curves['no_grad_tensor'][-1])}.",
    caption=f"Saved tensors alive after each iteration of an evaluation loop (CPU saved-tensor measure). "
            f"{stamp(cpu)}",
)

assert one > 0 and leak["tensor"]["loss_has_grad_fn"]
assert all(abs(k - (i + 1) * one) <= 0.01 * (i + 1) * one for i, k in enumerate(curves["tensor"]))  # linear, 1%
assert max(curves["item"]) <= 1.01 * min(curves["item"]) and curves["item"][0] <= 1.01 * one  # flat
assert set(curves["no_grad_tensor"]) == {0}

if gpu:
    alloc = {v: gpu["leak"][v]["cuda_memory_allocated_delta"] for v in ("tensor", "item")}
    steps = [b - a for a, b in zip(alloc["tensor"], alloc["tensor"][1:], strict=False)]
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    for v in ("tensor", "item"):
        ax.plot(range(1, len(alloc[v]) + 1), [b / 2**20 for b in alloc[v]], label=LEAK_LABELS[v])
    ax.set_xlabel("iteration")
    ax.set_ylabel("memory_allocated() increase (MiB)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))
    show_figure(
        fig, "leak-cuda",
        alt=f"Line chart over {len(alloc['tensor'])} iterations on a GPU: with running_loss += loss the "
            f"memory_allocated() increase rises from {size(alloc['tensor'][0])} to {size(alloc['tensor'][-1])}; "
            f"with running_loss += loss.item() it stays between {size(min(alloc['item']))} and "
            f"{size(max(alloc['item']))}.",
        caption=f"CUDA allocator increase after each iteration. {stamp(gpu)}",
    )
    assert len(alloc["tensor"]) == len(alloc["item"]) == gpu["leak"]["n_iter"] and min(steps) > 0, steps
    assert max(alloc["item"]) - min(alloc["item"]) < min(steps), alloc["item"]

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
# What that was worth on the recorded machine is shown below the tables, computed from the
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
# list below the tables says whether their median speed-up is smaller than that of the
# `transformer` rows.
# The benchmark's transformer gets no padding mask, so the fast path here changes only the
# kernels, not the values at padded positions (see
# [transformer layers](eval-mode.md#transformer-layers-a-fused-path-under-no_grad)).

# %% tags=["hide-input"]
def speed_tables(run, where):
    """The speed-ups over grad mode, and the times behind them, as two tables."""
    ratios, times, summary = [], [], []
    for name, entry in run["timing"]["models"].items():
        for r in entry["rows"]:
            s_ng, s_im = r["no_grad"]["speedup_vs_grad"], r["inference_mode"]["speedup_vs_grad"]
            ratios.append([name, r["batch"], f"{s_ng['median']:.2f}× [{s_ng['p25']:.2f}–{s_ng['p75']:.2f}]",
                           f"{r['no_grad']['speedup_best_vs_grad']:.2f}×",
                           f"{s_im['median']:.2f}× [{s_im['p25']:.2f}–{s_im['p75']:.2f}]",
                           f"{r['inference_mode']['speedup_best_vs_grad']:.2f}×"])
            times.append([name, r["batch"], f"{r['grad']['median_s'] * 1e6:,.0f}",
                          f"{r['grad']['throughput_per_s']:,.0f} → {r['no_grad']['throughput_per_s']:,.0f}"])
            summary.append((name, r["batch"], r))
    t = run["timing"]
    show_table(["model", "batch", "no_grad: median [IQR]", "no_grad: best", "inference_mode: median [IQR]",
                "inference_mode: best"], ratios, numeric=range(1, 6),
               caption=f"{where}: speed-up over grad mode: {t['reps']} interleaved rounds of "
                       f"<code>blocked_autorange(min_run_time={t['min_run_time_s']})</code>, "
                       f"{t['num_threads']} thread(s), clock: {html.escape(t['clock'])}")
    show_table(["model", "batch", "grad mode: median time (µs)", "samples/s, grad → no_grad"], times,
               numeric=(1, 2, 3), caption=f"{where}: median time of one forward pass in grad mode, and throughput")
    return summary


timing = cpu["timing"]
summary = speed_tables(cpu, "CPU")

median_ng = {(name, r["batch"]): r["no_grad"]["speedup_vs_grad"]["median"]
             for name, entry in timing["models"].items() for r in entry["rows"]}
batches = sorted({b for _, b in median_ng})
# What the recorded run shows, computed from the record (not asserted: times depend on the machine).
largest = max(median_ng[(m, b)] for m in ("mlp", "cnn") for b in batches)
deeper = [b for b in batches if median_ng[("deep-narrow-mlp", b)] > median_ng[("mlp", b)]]
fused = [b for b in batches if median_ng[("transformer", b)] > median_ng[("transformer-no-fastpath", b)]]
display(HTML(
    "<p>In this record:</p><ul>"
    f"<li>largest median <code>no_grad</code> speed-up of the MLP and the CNN: {largest:.2f}×;</li>"
    f"<li><code>deep-narrow-mlp</code> median speed-up above <code>mlp</code> at batches {deeper} of {batches};</li>"
    f"<li><code>transformer</code> median speed-up above <code>transformer-no-fastpath</code> at batches "
    f"{fused} of {batches}.</li></ul>"
))

fig, ax = plt.subplots(figsize=(5.0, 0.42 * len(summary) + 1.2))
ys = list(range(len(summary)))[::-1]
for offset, mode, colour, hatch in ((0.2, "no_grad", SERIES[0], None), (-0.2, "inference_mode", SERIES[1], "//")):
    s = [r[mode]["speedup_vs_grad"] for _, _, r in summary]
    ax.barh([y + offset for y in ys], [x["median"] for x in s], 0.38, color=colour, hatch=hatch,
            edgecolor=FG if hatch else colour, linewidth=0,
            xerr=[[x["median"] - x["p25"] for x in s], [x["p75"] - x["median"] for x in s]],
            error_kw={"ecolor": FG, "capsize": 2, "elinewidth": 1}, label=f"{mode} (median, IQR)")
    ax.plot([r[mode]["speedup_best_vs_grad"] for _, _, r in summary], [y + offset for y in ys], "D",
            color=FG, markersize=3.5, label="fastest block vs fastest block" if mode == "no_grad" else None)
ax.axvline(1.0, color=FG, lw=1)
ax.set_yticks(ys, [f"{name} · {batch}" for name, batch, _ in summary])
ax.grid(axis="y", visible=False)
ax.set_xlabel("speed-up over grad mode (×); 1.0 = no difference")
ax.set_ylabel("model · batch size")
ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0))
show_figure(
    fig, "speed-cpu",
    alt="Horizontal bar chart of the median speed-up of no_grad and inference_mode over grad mode for each "
        "model and batch size, with interquartile ranges and the fastest-block ratio: "
        + "; ".join(f"{name}, batch {batch}: no_grad {r['no_grad']['speedup_vs_grad']['median']:.2f}, inference_mode "
                    f"{r['inference_mode']['speedup_vs_grad']['median']:.2f}" for name, batch, r in summary) + ".",
    caption=f"Forward-pass speed-up over grad mode: bars are the median of the per-round ratios with their "
            f"interquartile range, diamonds the ratio of the fastest blocks. {stamp(cpu)}",
)

for entry in timing["models"].values():
    for r in entry["rows"]:
        s_ng, s_im = r["no_grad"]["speedup_vs_grad"], r["inference_mode"]["speedup_vs_grad"]
        # the record is complete and its summary matches its rounds (no bound on the times)
        assert len(s_ng["per_round"]) == len(s_im["per_round"]) == timing["reps"]
        assert s_ng["p25"] <= s_ng["median"] <= s_ng["p75"] and s_im["p25"] <= s_im["median"] <= s_im["p75"]
assert not timing["models"]["transformer-no-fastpath"]["fastpath_enabled"]

if gpu is None:
    note("CUDA timings are pending (<code>docs/results/bench-cuda.json</code> has not been recorded yet).")
else:
    speed_tables(gpu, f"CUDA ({stamp(gpu)})")

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

# %% tags=["hide-input"]
met = cpu["metrics"]
runs_shown = [("eval(), grad mode", met["eval_grad"]), ("eval(), no_grad", met["eval_no_grad"]),
              ("eval(), inference_mode", met["eval_inference_mode"])]
runs_shown += [(f"train(), no_grad, seed {i}", r) for i, r in enumerate(met["train_no_grad"])]
show_table(["model mode, grad mode", "accuracy", "precision (macro)", "recall (macro)"],
           [[label, f"{r['accuracy']:.4f}", f"{r['precision_macro']:.4f}", f"{r['recall_macro']:.4f}"]
            for label, r in runs_shown], numeric=(1, 2, 3),
           caption=f"{met['n_test']} test samples, {met['n_classes']} classes, mini-batches of {met['eval_batch']}")
agrees = {True: "agrees", False: "DISAGREES", None: "not run"}[met["torchmetrics_agrees"]]
note(f"Logits bitwise equal across modes: {met['eval_logits_bitwise_equal']}; torchmetrics cross-check: "
     f"{agrees}; a <code>train()</code> forward pass under <code>no_grad</code> updated "
     f"<code>running_mean</code>: {met['train_mode_updated_running_mean']}.")


def confusion_table(label, cm):
    head = "".join(f'<th scope="col">{j}</th>' for j in range(len(cm)))
    body = "".join(f'<tr><th scope="row">{i}</th>' + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
                   for i, row in enumerate(cm))
    return (f'<table class="nb-confusion-matrix"><caption>{html.escape(label)}</caption><thead><tr>'
            f"<th>true ↓ predicted →</th>{head}</tr></thead><tbody>{body}</tbody></table>")


display(HTML('<div class="nb-confusion">'
             + "".join(confusion_table(label, r["confusion_matrix"]) for label, r in runs_shown) + "</div>"))

assert met["eval_logits_bitwise_equal"] and met["eval_logits_max_abs_diff"] == 0.0
assert met["eval_grad"] == met["eval_no_grad"] == met["eval_inference_mode"]
assert all(r != met["eval_no_grad"] for r in met["train_no_grad"])
assert any(r != met["train_no_grad"][0] for r in met["train_no_grad"][1:])  # varies with the seed
assert met["train_mode_updated_running_mean"]
assert met["torchmetrics_agrees"] in (True, None)

# %% [markdown]
# ## Versions verified
#
# The figures on this page come from the run whose header is shown at the top. It records
# the torch version, device and date of that run. The claim badges show where and with which
# torch version each snippet last passed. The measurement code is in `tests/bench/measure.py`,
# with its definitions in the module docstring. The PyTorch sources for each method:
# [saved tensors hooks](https://docs.pytorch.org/docs/stable/autograd.html#hooks-for-saved-tensors),
# [`torch.cuda` memory management](https://docs.pytorch.org/docs/stable/notes/cuda.html#memory-management),
# [`torch.utils.benchmark`](https://docs.pytorch.org/docs/stable/benchmark_utils.html) and
# [locally disabling gradient computation](https://docs.pytorch.org/docs/stable/notes/autograd.html#locally-disabling-gradient-computation).
