"""Static rules: code that could make a false claim look proven is refused before it runs.

Each rule names the file and line. They make the usual ways of cheating visible; the run itself
is the backstop (an assert that did not pass fails the run even when something caught it, see
harness.asserts). What a determined author could still hide in obfuscated code is left to review
(CONTRIBUTING.md, "What the engine guarantees").

- Swallowing asserts: bare ``except:``, ``except AssertionError`` / ``BaseException`` /
  ``Exception`` (also in a tuple), ``contextlib.suppress``, ``return``/``break``/``continue`` in a
  ``finally``. A handler for a specific exception must assert (the expected-exception form).
- Asserts that can never fail: ``assert (x, "msg")``, ``assert True``, a non-empty literal; and
  every compile-time SyntaxWarning is an error.
- Patching what the proof relies on: rebinding a builtin it leans on (`AssertionError = ValueError`,
  `def isinstance(...)`), assigning or deleting an attribute (or item) of an imported
  module or of a name bound to one (``torch.equal = ...``, ``F = torch.nn.functional; F.relu =
  ...``, ``setattr(torch, ...)``), and ``__builtins__``.
- Running code the engine cannot see, or reaching into the interpreter: ``exec``, ``eval``,
  ``compile``, ``__import__``, ``globals``/``locals``/``vars``, ``sys._getframe``, frame and
  code attributes, ``gc.get_objects``/``get_referrers``, ``os._exit``, and importing ``inspect``,
  ``ctypes``, ``importlib``, ``multiprocessing``, ``pytest`` or the harness.
"""

from __future__ import annotations

import ast
import builtins
import warnings

SWALLOWING = {"AssertionError", "BaseException", "Exception"}
# Settings a snippet may set for its own process (a forked child): an environment variable such as
# HF_HUB_OFFLINE, a matplotlib rcParam. Item assignment into these is configuration, not patching.
CONFIGURATION = {"environ", "rcParams"}
FORBIDDEN_NAMES = {
    "exec": "runs code the engine cannot check",
    "eval": "runs code the engine cannot check",
    "compile": "compiles code the engine cannot check",
    "__import__": "imports behind the engine's back",
    "globals": "reaches into the interpreter's namespaces",
    "locals": "reaches into the interpreter's namespaces",
    "vars": "reaches into the interpreter's namespaces",
    "__builtins__": "reaches into builtins",
    "breakpoint": "stops the run",
}
FORBIDDEN_ATTRS = {
    "_getframe": "reads the interpreter's frames",
    "_current_frames": "reads the interpreter's frames",
    "f_back": "reads the interpreter's frames",
    "f_locals": "reads the interpreter's frames",
    "f_globals": "reads the interpreter's frames",
    "f_builtins": "reads the interpreter's frames",
    "tb_frame": "reads the interpreter's frames",
    "gi_frame": "reads the interpreter's frames",
    "cr_frame": "reads the interpreter's frames",
    "ag_frame": "reads the interpreter's frames",
    "__globals__": "reads a function's globals",
    "__code__": "reads or replaces a function's code",
    "__builtins__": "reaches into builtins",
    "get_objects": "searches the heap for the engine's objects",
    "get_referrers": "searches the heap for the engine's objects",
    "get_referents": "searches the heap for the engine's objects",
    "settrace": "traces the interpreter",
    "setprofile": "traces the interpreter",
    "_exit": "ends the process without a result",
}
FORBIDDEN_MODULES = {
    "inspect",
    "ctypes",
    "importlib",
    "multiprocessing",
    "pytest",
    "_pytest",
    "pytest_socket",
    "harness",
    "runpy",
    "code",
    "codeop",
    "marshal",
}
# Builtins a proof leans on: rebinding one (`AssertionError = ValueError`) changes what asserts do.
SHADOWED = {n for n in dir(builtins) if n.endswith(("Error", "Exception"))} | {
    "isinstance",
    "issubclass",
    "print",
    "len",
    "all",
    "any",
    "abs",
    "repr",
    "str",
    "bool",
    "float",
    "int",
    "getattr",
    "hasattr",
}
EXPECTED_FORM = "write an expected exception as `try: ... except SomeError as error: assert ... in str(error)`"


def check(path, source: str, tree: ast.Module | None = None) -> list[tuple[int, str]]:
    """(line, message) for every rule the code breaks, in line order."""
    found = _syntax_warnings(path, source)
    if tree is None:
        try:
            tree = ast.parse(source, filename=str(path))
        except SyntaxError:
            return found  # the run reports it with its line
    tainted = _module_names(tree)
    for node in ast.walk(tree):
        found += _check_node(node, tainted)
    return sorted(set(found))


def _syntax_warnings(path, source: str) -> list[tuple[int, str]]:
    """Compile with SyntaxWarning as an error: `assert (x, "msg")`, `x is 1`, ... never pass silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", SyntaxWarning)
        try:
            compile(source, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:  # a SyntaxWarning turned error arrives as SyntaxError
            return [(exc.lineno or 1, f"compile-time warning is an error here: {exc.msg}")]
        except SyntaxWarning as exc:
            return [(getattr(exc, "lineno", None) or 1, f"compile-time warning is an error here: {exc}")]
    return []


def _configuration(node: ast.AST) -> bool:
    """`os.environ[...] = ...` or `plt.rcParams[...] = ...`: setting a value, not replacing code."""
    return (
        isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr in CONFIGURATION
    )


def _root(node: ast.AST) -> str | None:
    """The name an attribute/subscript chain starts from (`torch` in `torch.nn.functional.relu`)."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _module_names(tree: ast.Module) -> set[str]:
    """Names bound by imports, and names assigned from them (`F = torch.nn.functional`)."""
    names = {"__builtins__"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    aliases = [
        (t.id, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign | ast.AnnAssign | ast.NamedExpr)
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
        if isinstance(t, ast.Name) and n.value is not None
    ]
    changed = True
    while changed:
        changed = False
        for name, value in aliases:
            chain = isinstance(value, ast.Name | ast.Attribute | ast.Subscript)
            if name not in names and chain and _root(value) in names:
                names.add(name)
                changed = True
    return names


def _names(node: ast.AST | None) -> list[str]:
    """Exception class names in an `except` clause (`Exception`, `builtins.Exception`, tuples)."""
    if node is None:
        return []
    if isinstance(node, ast.Tuple):
        return [n for elt in node.elts for n in _names(elt)]
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    return ["<expression>"]


def _has_assert(body: list[ast.stmt]) -> bool:
    return any(isinstance(n, ast.Assert) for stmt in body for n in ast.walk(stmt))


def _always_true(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.Tuple | ast.List | ast.Set):
        return bool(test.elts)
    if isinstance(test, ast.Dict):
        return bool(test.keys)
    if isinstance(test, ast.JoinedStr | ast.Lambda):
        return True
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_always_true(v) for v in test.values)
    if isinstance(test, ast.BoolOp):
        return all(_always_true(v) for v in test.values)
    return False


def _check_node(node: ast.AST, tainted: set[str]) -> list[tuple[int, str]]:
    line = getattr(node, "lineno", 1)
    if isinstance(node, ast.ExceptHandler):
        caught = _names(node.type)
        if node.type is None:
            return [(line, f"bare `except:` catches AssertionError and hides a failed assert; {EXPECTED_FORM}")]
        broad = [n for n in caught if n in SWALLOWING]
        if broad:
            return [(line, f"`except {broad[0]}` catches AssertionError and hides a failed assert; {EXPECTED_FORM}")]
        if not _has_assert(node.body):
            return [(line, f"`except {', '.join(caught)}` handler asserts nothing; {EXPECTED_FORM}")]
        return []
    if isinstance(node, ast.Try | ast.TryStar):
        for stmt in node.finalbody:
            for inner in ast.walk(stmt):
                if isinstance(inner, ast.Return | ast.Break | ast.Continue):
                    kind = type(inner).__name__.lower()
                    return [
                        (inner.lineno, f"`{kind}` in a `finally` block discards an AssertionError raised in the `try`")
                    ]
        return []
    if isinstance(node, ast.Assert):
        if _always_true(node.test):
            return [(line, "assert can never fail: its test is always true")]
        return []
    if isinstance(
        node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete | ast.For | ast.AsyncFor | ast.withitem
    ):
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.withitem):
            targets = [node.optional_vars] if node.optional_vars else []
        else:
            targets = [node.target]
        found = []
        for target in targets:
            for leaf in ast.walk(target):  # tuple unpacking: `torch.a, x = ...`
                if _configuration(leaf):
                    break
                if isinstance(leaf, ast.Attribute | ast.Subscript) and _root(leaf) in tainted:
                    found.append((line, f"changes `{ast.unparse(leaf)}`: snippets must not patch modules they import"))
                    break
        return found[:1]
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in {"setattr", "delattr"} and node.args and _root(node.args[0]) in tainted:
            return [(line, f"`{name}` on `{ast.unparse(node.args[0])}`: snippets must not patch modules they import")]
        if name == "suppress":
            return [(line, f"`suppress` hides exceptions, AssertionError included; {EXPECTED_FORM}")]
        return []
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del) and node.id in SHADOWED:
        return [(line, f"rebinds the builtin `{node.id}`: asserts and checks would no longer mean what they say")]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name in SHADOWED:
        return [(line, f"rebinds the builtin `{node.name}`: asserts and checks would no longer mean what they say")]
    if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
        return [(line, f"`{node.id}` is not allowed in a snippet: it {FORBIDDEN_NAMES[node.id]}")]
    if isinstance(node, ast.Attribute) and node.attr == "modules" and _root(node) == "sys":
        return [(line, "`sys.modules` is not allowed in a snippet: it reaches the engine's own modules")]
    if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRS:
        return [(line, f"`{ast.unparse(node)}` is not allowed in a snippet: it {FORBIDDEN_ATTRS[node.attr]}")]
    if isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            bound = (alias.asname or alias.name).split(".")[0]
            if bound in SHADOWED:
                return [(line, f"rebinds the builtin `{bound}`: asserts and checks would no longer mean what they say")]
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for module in modules:
            if module.split(".")[0] in FORBIDDEN_MODULES:
                return [(line, f"importing `{module}` is not allowed in a snippet")]
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (
                    alias.name in FORBIDDEN_NAMES
                    or alias.name in FORBIDDEN_ATTRS
                    or (module, alias.name) == ("sys", "modules")
                ):
                    return [(line, f"importing `{alias.name}` is not allowed in a snippet")]
    return []
