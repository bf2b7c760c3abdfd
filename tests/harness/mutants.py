"""Every claim shown able to fail: counter-cases run as mutants of the proof.

An assert that passes proves something only if it fails when the claim is false. For each
snippet the engine builds changed copies of its code (*mutants*) and runs each one, alone, in the
sandbox's forkserver (no new torch import per mutant, two at a time). Two sources:

- **Domain mutators**, applied one site at a time to the code outside asserts and prints:
  grad-mode context managers and decorators (`no_grad`, `enable_grad`, `inference_mode`,
  `set_grad_enabled(...)`) removed, `inference_mode` and `enable_grad` swapped for `no_grad`, a
  constant mode flipped; `eval()` <-> `train()`; `.detach()`, `.detach_()`, `.item()`, `.clone()`, `.data`
  and `.requires_grad_(...)` removed; `del x` removed; `requires_grad=`, `retain_graph=` and
  `x.requires_grad = ...` flipped; `torch.equal(a, b)` compared with `a` on both sides.
- **Declared counter-cases** (`Counter-cases:` in the docstring, read by `harness.counter`):
  a line replaced by another, which must make the named claim fail.

A mutant *kills* a claim when an assert attributed to that claim (by the `# claim:` markers, or
the single claim) raises AssertionError, or when the mutant runs to the end but an assert of the
claim that ran in the original no longer runs (an expected exception is no longer raised, so its
handler's assert is skipped): each assert is instrumented on its own line, so line numbers stay.
A mutant that raises another error is killed, but proves no claim. A hanging mutant is killed
only when its timeout fires on a line of the mutated line's claim region (and says so). A mutant
that is not valid Python is skipped and counted. A mutant that crashes the harness (the process
dies) fails the run with its description.

Every claim needs at least one kill, from a mutator or a declared counter-case; a declared
counter-case that does not kill its claim fails. A surviving mutant whose line carries
`# equivalent: <reason>` is counted as equivalent (reviewed), not as a survivor; such a comment
on a line where no mutant survives is stale and fails.

Outcomes are cached in build/mutants/<sha256>.json, keyed by the snippet's bytes (and those of a
file next to it that it imports), the harness code and the torch and Python versions, so a warm
run re-runs nothing.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import pytest

from harness import counter, requirements, sandbox
from harness.collect import OUTCOMES
from harness.results import EXTRA
from harness.snippet import Snippet, SnippetError, discover, parse

GRAD_CONTEXTS = {"no_grad", "enable_grad", "inference_mode", "set_grad_enabled"}
REMOVED_METHODS = {"detach", "detach_", "item", "clone", "requires_grad_"}
FLIPPED_KEYWORDS = {"requires_grad", "retain_graph"}
MODULES = {"torch", "torchmetrics", "np", "numpy", "F", "nn"}
EQUIVALENT = re.compile(r"#\s*equivalent:\s*(\S.*?)\s*$")
CACHE_DIR = Path("build") / "mutants"
JOBS = 2  # two at a time: the machines this runs on have two cores
HARNESS_FILES = ("mutants.py", "counter.py", "sandbox.py", "snippet.py", "outputs.py")
KINDS = ("assert", "not-run", "error", "timeout")
MIN_TIMEOUT = 5.0  # a mutant gets 10x the original's run time, at least this, at most the snippet's timeout

# Each assert records its line in a set kept on the builtins module: no statement has to come
# first in the file (a `from __future__` import must), and functions see it too.
_HITS = '__import__("builtins").__dict__.setdefault("__mutants_hits__", set())'
_DONE = "__mutants_done__"
_DONE_RE = re.compile(rf"{_DONE} \[([0-9, ]*)\]")
_NULL = '__import__("contextlib").nullcontext()'
_IDENTITY = "(lambda f: f)"


class HarnessCrash(Exception):
    """A mutant killed the harness itself: the run fails with the mutant's description."""


@dataclass
class Mutant:
    key: str  # stable within its snippet: "<kind>@<line>:<col>" or "declared@<docstring line>"
    line: int  # the changed line
    description: str  # in words: "without `torch.no_grad()`"
    source: str  # the changed program; "" when the change is not valid Python
    origin: str = "mutator"  # "mutator" | "declared"
    claim: str = ""  # a declared counter-case: the claim it must make fail


@dataclass
class Result:
    key: str
    line: int
    description: str
    origin: str
    claim: str
    outcome: str  # killed | survived | equivalent | hung | invalid
    kind: str = ""  # how it was killed: assert | not-run | error | timeout
    claims: list[str] = field(default_factory=list)  # the claims it killed
    at: int | None = None  # the line where the run failed, hung or skipped an assert
    detail: str = ""  # the failing assert's text, the error, or why it survived
    sentence: str = ""  # what a reader sees: "without `torch.no_grad()` (line 42) this assert fails: `...`"


# ------------------------------------------------------------------ building mutants


class _Source:
    """Offsets into a source text from ast positions (columns are UTF-8 byte offsets)."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def seg(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def replace(self, start: int, end: int, text: str) -> str:
        missing = self.text[start:end].count("\n") - text.count("\n")
        if missing > 0:  # keep every later line where it was: pad inside the closing bracket
            text = text[:-1] + "\n" * missing + text[-1] if text.endswith(")") else text + "\n" * missing
        return self.text[:start] + text + self.text[end:]


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Sites(ast.NodeVisitor):
    """Collects one mutant per (site, change); never looks inside asserts or print calls."""

    def __init__(self, src: _Source):
        self.src = src
        self.found: list[tuple[str, ast.AST, str, str]] = []  # (kind, node, new program, description)
        self._decorators: set[int] = set()

    def add(self, kind: str, node: ast.AST, start: int, end: int, text: str, description: str) -> None:
        self.found.append((kind, node, self.src.replace(start, end, text), description))

    def visit_Assert(self, node):
        return  # the proof itself is never mutated

    def _decorated(self, node):
        for deco in node.decorator_list:
            if _name(deco.func if isinstance(deco, ast.Call) else deco) in GRAD_CONTEXTS:
                self._decorators.add(id(deco))
                self._grad_context(deco, decorator=True)
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _decorated

    def _grad_context(self, node: ast.AST, decorator: bool, applied: bool = False) -> None:
        """``decorator``: it wraps a function (as `@...`, or ``applied`` as `torch.no_grad()(fn)`)."""
        src = self.src
        text = src.seg(node)
        start, end = src.span(node)
        what = f"the `@{_short(text)}` decorator" if decorator and not applied else f"`{_short(text)}`"
        self.add("remove", node, start, end, _IDENTITY if decorator else _NULL, f"without {what}")
        call = node if isinstance(node, ast.Call) else None
        func = call.func if call else node
        swaps = {
            "inference_mode": "no_grad",
            "enable_grad": "no_grad",
        }  # at top level, removing enable_grad changes nothing
        if _name(func) in swaps and not (call and (call.args or call.keywords)):
            fstart, fend = src.span(func)
            old = _name(func)
            swapped = src.text[fstart:fend][: -len(old)] + swaps[old]
            self.add("swap", node, fstart, fend, swapped, f"with `{swaps[old]}` instead of `{_short(text)}`")
        if call is not None:
            flags = list(call.args[:1]) + [k.value for k in call.keywords if k.arg == "mode"]
            for flag in flags:
                if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
                    fstart, fend = src.span(flag)
                    new = str(not flag.value)
                    self.add(
                        "flip", node, fstart, fend, new, f"with `{new}` instead of `{flag.value}` in `{_short(text)}`"
                    )

    def visit_Call(self, node):
        if _name(node.func) == "print":
            return  # what is shown, not what is proven
        src = self.src
        name = _name(node.func)
        if isinstance(node.func, ast.Call) and _name(node.func.func) in GRAD_CONTEXTS:  # `torch.no_grad()(fn)`
            self._decorators.add(id(node.func))
            self._grad_context(node.func, decorator=True, applied=True)
        if name in GRAD_CONTEXTS and id(node) not in self._decorators:
            self._grad_context(node, decorator=False)
        if isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            start, end = src.span(node)
            recv = src.seg(receiver)
            tail = f".{name}{src.text[src.span(node.func)[1] : end]}"  # `.detach()`, `.train(False)`
            who = f"{_short(recv)}." if len(recv) <= 24 else "."
            args = node.args + [k.value for k in node.keywords]
            if name == "eval" and not args:
                self.add("eval", node, start, end, f"({recv}).train()", f"`{who}train()` instead of `{who}eval()`")
            elif name == "train":
                flag = args[0] if len(args) == 1 else None
                if not args or (isinstance(flag, ast.Constant) and flag.value is True):
                    self.add(
                        "train",
                        node,
                        start,
                        end,
                        f"({recv}).eval()",
                        f"`{who}eval()` instead of `{who}{_short(tail[1:])}`",
                    )
                elif isinstance(flag, ast.Constant) and flag.value is False:
                    self.add(
                        "train",
                        node,
                        start,
                        end,
                        f"({recv}).train()",
                        f"`{who}train()` instead of `{who}{_short(tail[1:])}`",
                    )
            elif name in REMOVED_METHODS:
                self.add("remove-method", node, start, end, f"({recv})", f"without `{_short(tail)}`")
            elif name == "equal" and _name(receiver) == "torch" and len(node.args) == 2 and not node.keywords:
                first, second = node.args
                if src.seg(first) != src.seg(second):
                    s2, e2 = src.span(second)
                    self.add(
                        "equal", node, s2, e2, f"({src.seg(first)})",
                        f"with `torch.equal` comparing `{_short(src.seg(first))}` with itself instead of with `{_short(src.seg(second))}`",
                    )  # fmt: skip
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg in FLIPPED_KEYWORDS and isinstance(value, ast.Constant) and isinstance(value.value, bool):
                s, e = src.span(value)
                self.add(
                    "flip-keyword", value, s, e, str(not value.value),
                    f"with `{keyword.arg}={not value.value}` instead of `{keyword.arg}={value.value}`",
                )  # fmt: skip
        self.generic_visit(node)

    def visit_Attribute(self, node):
        root = node.value
        while isinstance(root, ast.Attribute):
            root = root.value
        module = isinstance(root, ast.Name) and root.id in MODULES  # `torch.utils.data` is no tensor's `.data`
        if node.attr == "data" and isinstance(node.ctx, ast.Load) and not module:
            start, end = self.src.span(node)
            self.add("remove-data", node, start, end, f"({self.src.seg(node.value)})", "without `.data`")
        self.generic_visit(node)

    def visit_Delete(self, node):
        start, end = self.src.span(node)
        self.add("remove-del", node, start, end, "pass", f"without `{_short(self.src.seg(node))}`")

    def visit_Assign(self, node):
        value = node.value
        if (
            any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in node.targets)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, bool)
        ):
            start, end = self.src.span(value)
            self.add(
                "flip-assign", node, start, end, str(not value.value),
                f"with `{_short(self.src.seg(node.targets[0]))} = {not value.value}` instead of `= {value.value}`",
            )  # fmt: skip
        self.generic_visit(node)


def _valid(original: str, changed: str) -> bool:
    if changed.count("\n") != original.count("\n"):
        return False
    try:
        ast.parse(changed)
    except SyntaxError:
        return False
    return True


def generate(snippet: Snippet, declared: list[counter.Declared]) -> list[Mutant]:
    """Every automatic mutant of the snippet, one site at a time, then its declared counter-cases."""
    src = _Source(snippet.source)
    tree = ast.parse(snippet.source)
    body = tree.body[1:] if tree.body and isinstance(tree.body[0], ast.Expr) else tree.body  # not the docstring
    sites = _Sites(src)
    for node in body:
        sites.visit(node)
    mutants, seen = [], set()
    for kind, node, changed, description in sites.found:
        key = f"{kind}@{node.lineno}:{node.col_offset}"
        while key in seen:
            key += "'"
        seen.add(key)
        valid = _valid(snippet.source, changed)
        mutants.append(Mutant(key, node.lineno, description, changed if valid else ""))
    for case in declared:
        changed = counter.apply(snippet.source, case)
        mutants.append(
            Mutant(
                f"declared@{case.line}",
                case.target,
                f"with {case.words()}",
                changed if _valid(snippet.source, changed) else "",
                "declared",
                case.claim,
            )
        )
    return mutants


# ------------------------------------------------------------------ running them


def _exit_anomaly(outcome) -> bool:
    """The child sent its result but did not end cleanly: a fact about the process, not the code."""
    message = outcome.message or ""
    return outcome.status == "failed" and ("after its result" in message or "did not exit within" in message)


def instrument(source: str) -> str:
    """The program with every assert recording that it ran, and a last line reporting which did.

    Each assert gets `<the set of hits>.add(<line>); ` in front of it on its own line, so line
    numbers (and the claim markers' regions) stay as they are.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True) or [""]
    places = sorted(((n.lineno, n.col_offset) for n in ast.walk(tree) if isinstance(n, ast.Assert)), reverse=True)
    for lineno, col in places:
        raw = lines[lineno - 1].encode("utf-8")
        lines[lineno - 1] = (raw[:col] + f"{_HITS}.add({lineno}); ".encode() + raw[col:]).decode("utf-8")
    text = "".join(lines)
    if not text.endswith("\n"):
        text += "\n"
    return text + f"raise SystemExit({_DONE!r} + ' ' + repr(sorted({_HITS})))\n"


def _assert_lines(source: str) -> dict[int, str]:
    """Each line an assert spans -> the assert's test, as written.

    `raise AssertionError(...)` (for example in the `else:` of an expected-exception `try`) is a
    check too: its line maps to the statement itself.
    """
    tree = ast.parse(source)
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            text = _short(ast.get_source_segment(source, node.test) or "", 100)
        elif isinstance(node, ast.Raise) and _name(getattr(node.exc, "func", node.exc)) == "AssertionError":
            text = _short(ast.get_source_segment(source, node) or "", 100)
        else:
            continue
        for line in range(node.lineno, node.end_lineno + 1):
            found[line] = text
    return found


def _hits(outcome: sandbox.Outcome) -> set[int] | None:
    match = _DONE_RE.search(outcome.message or "")
    if outcome.status != "failed" or not match:
        return None
    return {int(n) for n in match[1].replace(" ", "").split(",") if n}


def classify(
    mutant: Mutant, outcome: sandbox.Outcome, snippet: Snippet, baseline: set[int], asserts: dict[int, str]
) -> Result:
    result = Result(mutant.key, mutant.line, mutant.description, mutant.origin, mutant.claim, "survived")
    where = f"{mutant.description} (line {mutant.line})"
    if outcome.status == "crashed":
        raise HarnessCrash(f"{snippet.path}: mutant {where} crashed the harness: {outcome.message}")
    if outcome.status == "timeout":
        region = set(snippet.claims_at(mutant.line))
        hung = set(snippet.claims_at(outcome.line)) & region if outcome.line else set()
        result.at = outcome.line
        if hung:
            result.outcome, result.kind, result.claims = "killed", "timeout", sorted(hung)
            result.detail = f"hangs: the timeout fired on line {outcome.line}, in the region of the mutated line"
            result.sentence = f"{where} the snippet hangs: the timeout fires on line {outcome.line}"
        else:
            result.outcome = "hung"
            result.detail = (
                f"hangs, but the timeout fired on line {outcome.line or '?'}, outside the mutated claim's region"
            )
        return result
    hits = _hits(outcome)
    if hits is not None:  # it ran to the end
        missing = sorted(baseline - hits - ({mutant.line} if mutant.origin == "declared" else set()))
        if missing:
            claims = sorted({cid for line in missing for cid in snippet.claims_at(line)})
            result.outcome, result.kind, result.claims, result.at = "killed", "not-run", claims, missing[0]
            text = asserts.get(missing[0], "")
            result.detail = f"the assert on line {missing[0]} no longer runs: `{text}`"
            result.sentence = f"{where} the assert on line {missing[0]} no longer runs: `{text}`"
        else:
            result.detail = "every assert still passes"
        return result
    result.at = outcome.line
    first = (outcome.message or "").splitlines()[0] if outcome.message else outcome.status
    edited_assert = mutant.origin == "declared" and outcome.line == mutant.line  # it broke its own assert
    if (
        outcome.status == "failed"
        and first.startswith("AssertionError")
        and outcome.line in asserts
        and not edited_assert
    ):
        result.outcome, result.kind, result.claims = "killed", "assert", sorted(snippet.claims_at(outcome.line))
        result.detail = f"line {outcome.line}: `{asserts[outcome.line]}` fails"
        check = "check" if asserts[outcome.line].startswith("raise ") else "assert"
        result.sentence = f"{where} this {check} fails: `{asserts[outcome.line]}`"
    else:
        result.outcome, result.kind = "killed", "error"
        result.detail = f"line {outcome.line or '?'}: {_short(first, 160)}"
    return result


def cache_key(snippet: Snippet, harness: Path | None = None) -> str:
    """sha256 of the snippet's bytes, the harness code that runs and judges it, torch and Python."""
    digest = hashlib.sha256(snippet.source.encode("utf-8"))
    here = harness or Path(__file__).parent
    for name in HARNESS_FILES:
        digest.update(b"\0" + name.encode() + b"\0" + (here / name).read_bytes())
    for helper in _helpers(snippet):  # a file next to the snippet that it imports
        digest.update(b"\0" + helper.name.encode() + b"\0" + helper.read_bytes())
    digest.update(f"\0torch {_torch_version()}\0python {sys.version}".encode())
    return digest.hexdigest()


def _helpers(snippet: Snippet) -> list[Path]:
    names = set()
    for node in ast.walk(ast.parse(snippet.source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    folder = snippet.path.parent
    return sorted(folder / f"{name}.py" for name in names if (folder / f"{name}.py").is_file())


def _torch_version() -> str:
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return "none"


def check(snippet: Snippet, root: Path, jobs: int = JOBS, cache: Path | None = None) -> dict:
    """Run every mutant of one snippet (or read the cached outcome); return its report."""
    rel = snippet.path.relative_to(root).as_posix() if snippet.path.is_absolute() else snippet.path.as_posix()
    cache = root / CACHE_DIR if cache is None else cache
    key = cache_key(snippet)
    cached = cache / f"{key}.json"
    if cached.is_file():
        report = json.loads(cached.read_text(encoding="utf-8"))
        report["cached"] = True
        return report
    start = time.perf_counter()
    declared = counter.parse(snippet.path, snippet.source, {c.id for c in snippet.claims})
    mutants = generate(snippet, declared)
    asserts = _assert_lines(snippet.source)
    # The snippet's own settings: threads, network, and its memory limit (none for CUDA, as in collect).
    settings = {
        "threads": snippet.threads,
        "network": snippet.network,
        "memory": None if "cuda" in snippet.requires else snippet.memory,
    }
    original = sandbox.run(snippet.path, snippet.timeout, root, source=instrument(snippet.source), **settings)
    baseline = _hits(original)
    report: dict = {"snippet": rel, "key": key, "cached": False, "problems": []}
    if baseline is None:
        first = original.message.splitlines()[0] if original.message else original.status
        report["problems"].append(
            f"{rel}:{original.line or 1}: the snippet itself does not pass ({first}); its mutants were not run"
        )
        report.update(results=[], seconds=round(time.perf_counter() - start, 3))
        return _summarize(report, snippet)
    timeout = min(snippet.timeout, max(MIN_TIMEOUT, 10 * original.duration))

    def one(mutant: Mutant) -> Result:
        if not mutant.source:
            return Result(mutant.key, mutant.line, mutant.description, mutant.origin, mutant.claim, "invalid",
                          detail="the change is not valid Python: skipped")  # fmt: skip
        try:
            outcome = sandbox.run(snippet.path, timeout, root, source=instrument(mutant.source), **settings)
            if _exit_anomaly(outcome):  # seen once in hundreds of runs on a loaded machine: run it again
                outcome = sandbox.run(snippet.path, timeout, root, source=instrument(mutant.source), **settings)
        except Exception as exc:  # noqa: BLE001 - a harness failure names the mutant
            raise HarnessCrash(
                f"{rel}: mutant {mutant.description} (line {mutant.line}) crashed the harness: {exc!r}"
            ) from exc
        return classify(mutant, outcome, snippet, baseline, asserts)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, mutants))
    code = snippet.source.splitlines()
    for result in results:
        if result.outcome == "survived" and result.origin == "mutator":
            match = EQUIVALENT.search(code[result.line - 1]) if result.line <= len(code) else None
            if match:
                result.outcome, result.detail = "equivalent", f"equivalent: {match[1]}"
    report.update(results=[asdict(r) for r in results], seconds=round(time.perf_counter() - start, 3))
    report = _summarize(report, snippet)
    # Hangs depend on the load; a report with problems fails the run: re-checked every time (a child
    # that exited abnormally on a busy machine must not stay red from the cache).
    if not report["problems"] and not any(r["outcome"] == "hung" or r["kind"] == "timeout" for r in report["results"]):
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def _summarize(report: dict, snippet: Snippet) -> dict:
    """Per claim: what killed it; counts and score; the problems that fail the suite."""
    rel, results = report["snippet"], report["results"]
    count = {k: sum(r["outcome"] == k for r in results if r["origin"] == "mutator")
             for k in ("killed", "survived", "equivalent", "hung", "invalid")}  # fmt: skip
    applicable = count["killed"] + count["survived"] + count["hung"]
    report["counts"] = {**count, "mutants": sum(count.values()), "applicable": applicable,
                        "declared": sum(r["origin"] == "declared" for r in results)}  # fmt: skip
    for kind in KINDS:  # how the mutators' mutants were killed
        report["counts"][f"by_{kind.replace('-', '_')}"] = sum(
            r["kind"] == kind for r in results if r["origin"] == "mutator" and r["outcome"] == "killed"
        )
    report["score"] = round(count["killed"] / applicable, 4) if applicable else None
    kills: dict[str, list[dict]] = {c.id: [] for c in snippet.claims}
    for r in results:
        for cid in r["claims"]:
            if r["sentence"] and cid in kills:
                kills[cid].append({"sentence": r["sentence"], "origin": r["origin"], "line": r["line"]})
    for cid in kills:  # declared counter-cases first: they are the ones written for readers
        kills[cid].sort(key=lambda k: (k["origin"] != "declared", k["line"]))
    report["claims"] = kills
    report["survivors"] = [f"{rel}:{r['line']}: {r['description']} ({r['outcome']}: {r['detail']})"
                           for r in results if r["outcome"] in ("survived", "hung")]  # fmt: skip
    problems = report["problems"]
    if results or not problems:
        for r in results:
            if r["origin"] == "declared" and r["claim"] not in r["claims"]:
                why = r["detail"] if r["outcome"] != "killed" or r["kind"] == "error" else (
                    f"it fails claim(s) {', '.join(r['claims'])} instead ({r['detail']})")  # fmt: skip
                problems.append(
                    f"{rel}:{r['line']}: declared counter-case for {r['claim']} ({r['description']}) does not make "
                    f"an assert of that claim fail: {r['outcome']}; {why}"
                )
        for cid, found in kills.items():
            if not found:
                tried = [f"{r['description']} (line {r['line']}): {r['outcome']}"
                         + (f" {r['kind']}, {r['detail']}" if r["outcome"] == "killed" else "")
                         for r in results]  # fmt: skip
                listing = "\n    ".join(tried) if tried else "none: no mutator applies and no counter-case is declared"
                problems.append(
                    f"{rel}: claim {cid}: no mutant and no declared counter-case makes its asserts fail; "
                    f"mutants tried ({len(tried)}):\n    {listing}\n  declare one in the docstring: "
                    f"`Counter-cases:` then `    {cid}: `<old line>` -> `<new line>``"
                )
        code = snippet.source.splitlines()
        survived = {r["line"] for r in results if r["outcome"] == "equivalent"}
        # A declared counter-case quotes the line it edits, comment included: the docstring's
        # copy of an `# equivalent:` comment is not a second one.
        docstring_end, head = 0, ast.parse(snippet.source).body[:1]
        if head and isinstance(head[0], ast.Expr) and isinstance(head[0].value, ast.Constant):
            docstring_end = head[0].end_lineno
        for number, text in enumerate(code, 1):
            if EQUIVALENT.search(text) and number not in survived and number > docstring_end:
                problems.append(
                    f"{rel}:{number}: `# equivalent:` comment, but no mutant of this line survives: remove it"
                )
    report["unkillable"] = [cid for cid, found in kills.items() if not found]
    return report


def problems_of(path: Path, root: Path, jobs: int = JOBS) -> tuple[dict | None, list[str]]:
    """Parse and check one snippet; format errors come back as problems naming file:line."""
    try:
        snippet = parse(path)
        report = check(snippet, root, jobs)
    except SnippetError as exc:
        return None, [f"{exc.path.relative_to(root) if exc.path.is_absolute() else exc.path}:{exc.line}: {exc.message}"]
    return report, report["problems"]


# ------------------------------------------------------------------ totals (results file, README)


def totals(reports: dict[str, dict]) -> dict:
    keys = ("mutants", "killed", "survived", "equivalent", "hung", "invalid", "applicable", "declared")
    keys += tuple(f"by_{kind.replace('-', '_')}" for kind in KINDS)
    overall = {k: sum(r["counts"][k] for r in reports.values() if "counts" in r) for k in keys}
    overall["score"] = round(overall["killed"] / overall["applicable"], 4) if overall["applicable"] else None
    claims = {
        cid: [k["sentence"] for k in kills] for r in reports.values() for cid, kills in r.get("claims", {}).items()
    }
    return {
        "overall": overall,
        "unkillable": sorted(cid for cid, kills in claims.items() if not kills),
        "snippets": {
            path: {
                **r["counts"],
                "score": r["score"],
                "seconds": r["seconds"],
                "cached": r["cached"],
                "survivors": r["survivors"],
            }
            for path, r in sorted(reports.items())
            if "counts" in r
        },  # fmt: skip
        "claims": claims,
    }


# ------------------------------------------------------------------ pytest: one item per snippet

_REPORTS = pytest.StashKey[dict]()


class MutantFailure(Exception):
    """A complete message: shown without a traceback."""


class CounterCasesItem(pytest.Item):
    """`snippets/<page>/<file>.py::counter-cases`: every claim of the snippet is shown able to fail."""

    def runtest(self):
        root = self.config.rootpath
        try:
            snippet = parse(self.path)
        except SnippetError:
            pytest.skip("the snippet does not parse: its run item reports why")
        try:  # the declared counter-cases are checked on every machine, even where the snippet cannot run
            counter.parse(snippet.path, snippet.source, {c.id for c in snippet.claims})
        except SnippetError as exc:
            raise MutantFailure(f"{self.path.relative_to(root)}:{exc.line}: {exc.message}") from None
        try:
            requirements.check(self, snippet.requires, snippet.torch)
        except pytest.skip.Exception as skip:  # its own reason line, next to the run item's
            raise pytest.skip.Exception(f"counter-cases not run: {skip.msg}", _use_item_location=True) from None
        ran = self.config.stash.get(OUTCOMES, {}).get(self.nodeid.rsplit("::", 1)[0] + "::run")
        if ran is not None and ran[1].status != "passed":  # a hang would cost its timeout once more
            pytest.skip(
                f"counter-cases not run: the snippet itself does not pass ({ran[1].status}): its run item says why"
            )
        try:
            report, problems = problems_of(self.path, root)
        except HarnessCrash as exc:
            raise MutantFailure(str(exc)) from None
        if report is not None:
            self.config.stash.setdefault(_REPORTS, {})[report["snippet"]] = report
            self.config.stash.setdefault(EXTRA, {})["mutants"] = totals(self.config.stash[_REPORTS])
        if problems:
            raise MutantFailure("\n".join(problems))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, MutantFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"counter-cases {self.path.relative_to(self.config.rootpath)}"


def pytest_terminal_summary(terminalreporter, config):
    reports = config.stash.get(_REPORTS, {})
    if reports:
        terminalreporter.write_line(summary_line(totals(reports), reports))


def summary_line(data: dict, reports: dict) -> str:
    o = data["overall"]
    score = f"{100 * o['score']:.1f}%" if o["score"] is not None else "n/a"
    cached = sum(r["cached"] for r in reports.values())
    return (
        f"mutants: {o['mutants']} over {len(reports)} snippets ({cached} from the cache): {o['killed']} killed "
        f"({o['by_assert']} by a failing assert, {o['by_not_run']} by an assert that no longer runs, {o['by_error']} by "
        f"another error, {o['by_timeout']} by a hang in the mutated claim's region), "
        f"{o['equivalent']} equivalent, {o['survived']} survived, {o['hung']} hung, {o['invalid']} invalid (skipped); "
        f"kill rate {score} of {o['applicable']} applicable; {o['declared']} declared counter-cases; "
        f"claims with no killing mutant: {len(data['unkillable'])}"
    )


# ------------------------------------------------------------------ `nox -s mutants`


def markdown(data: dict, reports: dict) -> str:
    rows = [
        "| snippet | mutants | killed | equivalent | survived | score | claims with no counter-case |",
        "| --- | --: | --: | --: | --: | --: | --- |",
    ]
    for path, info in data["snippets"].items():
        score = f"{100 * info['score']:.0f}%" if info["score"] is not None else "–"
        none = ", ".join(f"`{cid}`" for cid in reports[path].get("unkillable", [])) or "–"
        survived = info["survived"] + info["hung"]
        rows.append(
            f"| `{path}` | {info['mutants']} | {info['killed']} | {info['equivalent']} | {survived} | {score} | {none} |"
        )
    o = data["overall"]
    score = f"{100 * o['score']:.1f}%" if o["score"] is not None else "–"
    rows.append(f"| **all** | {o['mutants']} | {o['killed']} | {o['equivalent']} | {o['survived'] + o['hung']} | {score} | "
                f"{len(data['unkillable'])} claims |")  # fmt: skip
    return "\n".join(rows)


def _cannot_run(snippet: Snippet) -> str:
    """Why this machine cannot run the snippet ("" when it can), importing torch only for CUDA."""
    if snippet.torch:
        from packaging.specifiers import SpecifierSet
        from packaging.version import Version

        version = Version(_torch_version().split("+")[0])
        if version not in SpecifierSet(snippet.torch):
            return f"applies to torch {snippet.torch}; this is torch {version}"
    if "cuda" in snippet.requires and not requirements.cuda_available():
        return requirements.missing_reason()
    return ""


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m harness.mutants", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="snippet files or folders (default: every snippet)")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument("--json", type=Path, help="also write the totals to this file")
    parser.add_argument("--markdown", action="store_true", help="also print the per-snippet table (for the README)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    files = discover(root)
    if args.paths:
        wanted = [(root / p).resolve() for p in args.paths]
        files = [f for f in files if any(f == w or w in f.parents for w in wanted)]
    start = time.perf_counter()
    reports, problems = {}, []
    for path in files:
        try:
            snippet = parse(path)
        except SnippetError as exc:
            problems.append(f"{path.relative_to(root)}:{exc.line}: {exc.message}")
            continue
        reason = "" if (root / CACHE_DIR / f"{cache_key(snippet)}.json").is_file() else _cannot_run(snippet)
        if reason:  # a cached outcome needs neither torch in this process nor the forkserver
            print(f"skipped {path.relative_to(root)}: {reason}")
            continue
        try:
            report, found = problems_of(path, root, args.jobs)
        except HarnessCrash as exc:
            report, found = None, [str(exc)]
        if report is not None:
            reports[report["snippet"]] = report
        problems += found
    data = totals(reports)
    print("\nSurviving mutants:")
    for info in data["snippets"].values():
        for line in info["survivors"]:
            print(f"  {line}")
    print("\nClaims with no killing mutant or counter-case:")
    for cid in data["unkillable"]:
        print(f"  {cid}")
    if problems:
        print("\nProblems:")
        for problem in problems:
            print(f"  {problem}")
    if args.markdown:
        print("\n" + markdown(data, reports))
    print(f"\n{summary_line(data, reports)}; {time.perf_counter() - start:.1f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
