"""Running one snippet in isolation: a fresh process, a timeout, no network.

`import torch` costs about a second and the first optimizer another second (it imports
torch._dynamo), so paying that per snippet would dominate the suite. Instead a multiprocessing
*forkserver* imports them once, and every snippet runs in a child forked from it: a clean
interpreter state per snippet at the cost of a fork. The forkserver never computes anything, so
no thread pool exists yet when it forks.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import re
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

# Imported once by the forkserver; a module that is not installed is skipped by multiprocessing.
PRELOAD = [
    "torch",
    "torch._dynamo",  # the first optimizer imports it: ~1 s
    "torch.optim",
    "torch.utils.benchmark",
    "torchmetrics",  # ~1 s to import, used by the evaluation recipes
    "numpy",
    "matplotlib.pyplot",  # notebook pages plot
    "pytest",  # multiprocessing re-runs pytest's __main__ in each child: cheap once pytest is loaded
    "pytest_socket",
    "_pytest.assertion.rewrite",
    "harness.sandbox",
]
_CONTEXT = None


@dataclass
class Outcome:
    status: str  # "passed" | "failed" | "timeout" | "crashed"
    duration: float
    line: int | None = None  # the snippet line the failure points at
    message: str = ""
    output: str = ""  # the end of what the snippet printed, kept only when it did not pass
    prints: list = field(default_factory=list)  # (line, text) per print site: harness.outputs checks `#> ` lines


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        os.environ.setdefault("MPLBACKEND", "Agg")  # notebook pages plot; the forkserver inherits this
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(PRELOAD)
    return _CONTEXT


def warm_up() -> None:
    """Start the forkserver now; its imports then overlap with whatever pytest runs first."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


def run(path: Path, timeout: float, cwd: Path, source: str | None = None, threads: int = 1) -> Outcome:
    """Run ``path`` (or ``source``, reported as ``path``) in a forked child.

    ``source`` lets other checks (mutants, copied blocks) run changed code with the same
    isolation; ``threads`` is torch's intra-op thread count in the child.
    """
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    with (
        tempfile.NamedTemporaryFile("w+", suffix=".stack") as stack,
        tempfile.NamedTemporaryFile("w+", suffix=".out") as output,
    ):
        child = ctx.Process(
            target=_child,
            args=(str(path), str(cwd), send, stack.name, output.name, timeout, source, threads),
        )
        start = time.perf_counter()
        child.start()
        send.close()
        # Wait for a result, not for exit: a child that sent one is done.
        ready = receive.poll(timeout + 2.0)
        elapsed = time.perf_counter() - start
        if ready:
            try:
                result = receive.recv()
            except EOFError:
                result = None
        else:
            result = None
        child.join(1.0)
        if child.is_alive():
            child.kill()
            child.join()
        printed = _tail(Path(output.name).read_text(errors="replace"))
        if result is not None:
            return Outcome(**result, output=printed if result["status"] != "passed" else "")
        if not ready:
            line = _last_line_in(Path(stack.name).read_text(), path)
            return Outcome("timeout", elapsed, line, f"did not finish within its timeout of {timeout:g} s", printed)
        return Outcome("crashed", elapsed, None, f"the snippet process died (exit code {child.exitcode})", printed)


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _child(
    path: str, cwd: str, send, stack_file: str, output_file: str, timeout: float, source: str | None, threads: int
) -> None:
    """Runs in the forked process."""
    import random

    import pytest_socket
    import torch

    start = time.perf_counter()
    # What the snippet prints goes to its own file: shown with a failure, not mixed into the log.
    printed = os.open(output_file, os.O_WRONLY)
    os.dup2(printed, 1)
    os.dup2(printed, 2)
    # If the snippet hangs, this dumps every thread's stack just before the parent gives up,
    # so the report can name the line it was stuck on.
    stack = open(stack_file, "w")  # noqa: SIM115 - must stay open until the process ends
    faulthandler.dump_traceback_later(timeout, file=stack)
    os.chdir(cwd)
    # As `python script.py` does: the script's own folder comes first on the import path, so a
    # snippet (or a copied block) imports a helper file saved next to it.
    sys.path.insert(0, str(Path(path).parent))
    pytest_socket.disable_socket(allow_unix_socket=False)
    # torch's default intra-op pool has one thread per core: on a busy 2-core machine that
    # oversubscribes and a 1 s snippet takes 30 s or more. A snippet may raise it (`Threads:`).
    torch.set_num_threads(threads)
    # Snippets seed themselves; this makes even an unseeded draw repeatable.
    torch.manual_seed(0)
    random.seed(0)
    from harness import outputs  # records what each print writes, for the `#> ` lines

    recorder = outputs.install(path)
    if source is not None:
        # What runs is `source`, not the file on disk: code that reads its own source back
        # (`torch.jit.script` compiles a function from `inspect.getsource`) must see this text,
        # or a mutant's change is silently undone there. An entry with no mtime stays cached.
        import linecache

        linecache.cache[path] = (len(source), None, source.splitlines(keepends=True), path)
    try:
        code = _compile(Path(path), source)
        exec(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})
        result = {"status": "passed", "duration": time.perf_counter() - start}
    except BaseException as exc:  # noqa: BLE001 - report anything, SystemExit included
        result = {
            "status": "failed",
            "duration": time.perf_counter() - start,
            "line": _error_line(exc, path),
            "message": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
        }
    result["prints"] = outputs.recorded(recorder)
    faulthandler.cancel_dump_traceback_later()
    sys.stdout.flush()
    sys.stderr.flush()
    send.send(result)
    send.close()


def _compile(path: Path, source: str | None = None):
    """Compile with pytest's assertion rewriting, so a failed assert shows the values it saw."""
    import ast

    from _pytest.assertion.rewrite import rewrite_asserts

    if source is None:
        source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    rewrite_asserts(tree, source.encode(), str(path), None)
    return compile(tree, str(path), "exec", dont_inherit=True)


def _error_line(exc: BaseException, path: str) -> int | None:
    if isinstance(exc, SyntaxError) and exc.filename == path:
        return exc.lineno
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == path:
            line = lineno
    return line


def _last_line_in(stack_text: str, path: Path) -> int | None:
    """The snippet's innermost line in a faulthandler dump (most recent call first)."""
    lines = re.findall(rf'File "{re.escape(str(path))}", line (\d+)', stack_text)
    return int(lines[0]) if lines else None
