"""Running one snippet in isolation: a fresh process, a timeout, no network.

`import torch` costs about a second and the first optimizer another second (it imports
torch._dynamo), so paying that per snippet would dominate the suite. Instead a multiprocessing
*forkserver* imports them once, and every snippet runs in a child forked from it: a clean
interpreter state per snippet at the cost of a fork. The forkserver never computes anything, so
no thread pool exists yet when it forks.

The parent decides pass or fail from evidence, not from the child's word alone:

- the child must send exactly one result, carrying the per-run token the parent gave it, and then
  exit normally with status 0;
- the record of executed asserts must cover every assert in the source (harness.asserts);
- the child runs in its own session (process group), in a fresh temporary folder, under a memory
  limit (RLIMIT_AS, `Memory:` raises it) and an output-size limit; the parent reads only the tail
  of what it printed;
- anything the snippet started that outlives it is killed and fails the run ("left a process
  running"); an exception in a thread it started, or an unraisable exception, fails it too;
- the watched project files (harness.integrity) are hashed before and after the run.
"""

from __future__ import annotations

import ast
import contextlib
import faulthandler
import hashlib
import json
import multiprocessing
import os
import re
import secrets
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness import load  # imported here, not during a run: its .pyc would be a change to tests/

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
    "harness.asserts",
    "harness.outputs",
    "resource",  # the child sets its limits: an extension module, ~5 ms to load per child
    "harness.patches",  # snapshots torch & co. once, before any fork
]
DEFAULT_MEMORY = 4 * 1024**3  # bytes of address space (RLIMIT_AS); torch itself maps about 0.8 GiB
OUTPUT_LIMIT = 64 * 1024**2  # bytes a run may write to one file (RLIMIT_FSIZE): its output, its own files
TAIL_BYTES = 16_384  # what the parent reads of the output: only the end
EXIT_GRACE = 5.0  # seconds the child has to exit after sending its result
REUSE: dict | None = None  # {"earlier": {key: outcome}, "now": {...}, "reused": n} while harness.reuse is on
WATCH: list = []  # (folder, ...) hashed before and after each run; set by harness.integrity
_CONTEXT = None


@dataclass
class Outcome:
    status: str  # "passed" | "failed" | "timeout" | "crashed"
    duration: float
    line: int | None = None  # the snippet line the failure points at
    message: str = ""
    output: str = ""  # the end of what the snippet printed, kept only when it did not pass
    prints: list = field(default_factory=list)  # (line, text) per print site: harness.outputs checks `#> ` lines
    asserts: dict = field(default_factory=dict)  # {(line, col): [started, passed]} from the child
    reused: bool = False  # recorded in an earlier run with the same fingerprint (harness.reuse), not run now


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        os.environ.setdefault("MPLBACKEND", "Agg")  # notebook pages plot; the forkserver inherits this
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(PRELOAD)
        _become_subreaper()
    return _CONTEXT


def _become_subreaper() -> None:
    """Orphans of a snippet (a double fork, a new session) become our children, so we see them."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):  # not Linux: the process-group check still runs
        pass


def context():
    """The forkserver context, its server started: children forked from it have torch imported."""
    warm_up()
    return _context()


def warm_up() -> None:
    """Start the forkserver now; its imports then overlap with whatever pytest runs first."""
    from multiprocessing import forkserver

    _context()
    # The forkserver and every child inherit this: they write no .pyc files into the watched
    # folders (harness.integrity would see the forkserver's imports as a run changing tests/).
    saved = os.environ.get("PYTHONDONTWRITEBYTECODE")
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ["PYTHONDONTWRITEBYTECODE"]
        else:
            os.environ["PYTHONDONTWRITEBYTECODE"] = saved


def run(
    path: Path,
    timeout: float,
    cwd: Path | None = None,
    source: str | None = None,
    threads: int = 1,
    memory: int | None = DEFAULT_MEMORY,
    every_assert: bool = True,
    network: str = "",
    reuse_key: str | None = None,
    reuse_statuses: tuple = ("passed",),
) -> Outcome:
    """Run ``path`` (or ``source``, reported as ``path``) in a forked child.

    ``cwd`` None gives the run a fresh empty temporary folder. ``source`` lets other checks
    (mutants, copied blocks) run changed code with the same isolation; ``threads`` is torch's
    intra-op thread count in the child; ``memory`` its address-space limit in bytes (None: none).
    ``every_assert`` False lets asserts that never ran pass (a notebook page's branch for data
    not recorded yet); an assert that ran and did not pass fails the run in any case.
    ``network`` "loopback" lets the run open sockets to loopback addresses only (`Network:
    loopback`: ranks of torch.distributed on one machine); "" refuses every socket.
    ``reuse_key`` names the run apart from its code and settings (the snippet's path and working
    folder when that is not a fresh one): with it, a run
    that passed with the same code and settings while the project's fingerprint was the same is
    returned as it was recorded, not run again (harness.reuse sets ``REUSE``). Only outcomes whose
    status is in ``reuse_statuses`` are recorded: a pass, unless the caller expects a failure (a
    CUDA snippet run with CUDA hidden); a timeout or a crash never is.
    """
    from harness import asserts, integrity

    if source is None:
        source = Path(path).read_text(encoding="utf-8")
    memo_key = None
    if REUSE is not None and reuse_key is not None:
        settings = [reuse_key, source, timeout, threads, memory, every_assert, network]
        memo_key = hashlib.sha256(json.dumps(settings).encode()).hexdigest()
        if memo_key in REUSE["earlier"]:
            REUSE["reused"] += 1
            REUSE["now"][memo_key] = REUSE["earlier"][memo_key]
            return _outcome_from_json(REUSE["earlier"][memo_key])
    try:
        expected = asserts.positions(ast.parse(source))
    except SyntaxError:
        expected = []  # the child reports the syntax error with its line
    before = integrity.snapshot(WATCH) if WATCH else None
    with tempfile.TemporaryDirectory(prefix="snippet-") as fresh:
        outcome = _run(Path(path), timeout, Path(fresh) if cwd is None else cwd, source, threads, memory, network)
    if outcome.status == "passed":
        problems = asserts.problems(expected, outcome.asserts, every_assert)
        if problems:
            line, message = problems[0]
            more = [f"line {n}: {m}" for n, m in problems[1:]]
            outcome = Outcome("failed", outcome.duration, line, "\n".join([message, *more]), "", outcome.prints)
    if before is not None:
        changed = integrity.changes(before, integrity.snapshot(WATCH))
        if changed:
            outcome = Outcome(
                "failed", outcome.duration, None, "changed project files during its run: " + ", ".join(changed)
            )
    if memo_key is not None and outcome.status in reuse_statuses and outcome.status in ("passed", "failed"):
        REUSE["now"][memo_key] = _outcome_to_json(outcome)
    return outcome


def _outcome_to_json(outcome: Outcome) -> dict:
    data = asdict(outcome)
    data["asserts"] = [[line, col, *counts] for (line, col), counts in outcome.asserts.items()]
    return data


def _outcome_from_json(data: dict) -> Outcome:
    asserts_ = {(line, col): list(counts) for line, col, *counts in data["asserts"]}
    prints = [tuple(p) for p in data["prints"]]
    return Outcome(**{**data, "asserts": asserts_, "prints": prints, "reused": True})


def _run(
    path: Path, declared: float, cwd: Path, source: str, threads: int, memory: int | None, network: str = ""
) -> Outcome:
    warm_up()  # a no-op once the forkserver runs
    timeout, scaled = load.scaled(declared)  # a busy machine gets longer: harness.load
    ctx = _context()
    token = secrets.token_hex(16)
    receive, send = ctx.Pipe(duplex=False)
    known_children = _children()
    began = _now_in_ticks()
    with (
        tempfile.NamedTemporaryFile("w+", suffix=".stack") as stack,
        tempfile.NamedTemporaryFile("w+", suffix=".out") as output,
    ):
        child = ctx.Process(
            target=_child,
            args=(str(path), str(cwd), send, stack.name, output.name, timeout, source, threads, memory, token, network),
        )
        start = time.perf_counter()
        child.start()
        send.close()
        # Wait for a result, not for exit; then the child has a moment to exit normally.
        ready = receive.poll(timeout + 2.0)
        elapsed = time.perf_counter() - start
        result = None
        if ready:
            try:
                result = receive.recv()
            except (EOFError, OSError):
                result = None
        child.join(EXIT_GRACE * load.factor() if result is not None else 1.0)
        lingered = child.is_alive()
        if lingered:
            child.kill()
            child.join()
        extra = _more_messages(receive)
        leftovers = _kill_leftovers(child.pid, known_children, began)
        printed = _tail(Path(output.name))
        if result is None:
            if not ready:
                line = _last_line_in(Path(stack.name).read_text(), path)
                message = f"did not finish within its timeout of {declared:g} s{scaled}"
                return Outcome("timeout", elapsed, line, message, printed)
            return Outcome("crashed", elapsed, None, _died(child.exitcode, memory), printed)
    problem = None
    if not isinstance(result, dict) or result.get("token") != token:
        problem = "its result does not carry this run's token: the result was forged"
    elif extra:
        problem = "sent more than one result: the result was forged"
    elif lingered:
        problem = f"did not exit within {EXIT_GRACE:g} s after its result (a thread still running?)"
    elif child.exitcode != 0:
        problem = f"exited with status {child.exitcode} after its result: a run must end normally"
    elif leftovers:
        problem = "left a process running: " + "; ".join(leftovers) + " (killed)"
    if problem is not None:
        return Outcome("failed", elapsed, None, problem, printed)
    result.pop("token")
    if result["status"] == "failed" and "File too large" in result["message"]:
        result["message"] += f"\n(a run may write at most {_size(OUTPUT_LIMIT)} to one file, its output included)"
    if result["status"] == "failed" and memory and _out_of_memory(result["message"]):
        result["message"] += f"\n(the run is limited to {_size(memory)} of memory: raise it with `Memory: 8G`)"
    return Outcome(**result, output=printed if result["status"] != "passed" else "")


def _more_messages(receive) -> bool:
    """True if the child sent anything after its result (the pipe reads as ready at EOF too)."""
    try:
        if receive.poll(0):
            receive.recv_bytes()
            return True
    except (EOFError, OSError):
        pass
    return False


def _children() -> set[int]:
    """Our own child processes (orphans of snippets land here: we are a subreaper)."""
    pids = set()
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as handle:
                pids |= {int(p) for p in handle.read().split()}
    except OSError:
        pass
    return pids


def _now_in_ticks() -> int:
    """Seconds since boot in clock ticks, the unit of a process's start time in /proc/PID/stat."""
    try:
        with open("/proc/uptime") as handle:
            return int(float(handle.read().split()[0]) * os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError):
        return 0


def _started_at(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _kill_leftovers(group: int, known: set[int], began: int) -> list[str]:
    """Kill what the run left behind: orphans adopted by us that started during the run (another
    test's orphan, a browser's helper, is not the snippet's), and the run's process group."""
    found = []
    for pid in sorted(_children() - known):
        started = _started_at(pid)
        if started is not None and started < began - 1:  # /proc/uptime has 1/100 s resolution
            continue
        found.append(f"pid {pid} ({_cmdline(pid)})")
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return found
    found.append(f"process group {group}")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()[:80] or "?"
    except OSError:
        return "?"


def _died(exitcode: int | None, memory: int | None) -> str:
    if exitcode is not None and exitcode < 0 and -exitcode == signal.SIGXFSZ:
        return f"wrote more than {_size(OUTPUT_LIMIT)} to one file (its output included): the run was stopped"
    message = f"the snippet process died (exit code {exitcode}) without sending a result"
    if memory:
        message += f"; its memory limit is {_size(memory)} (`Memory: 8G` raises it)"
    return message


def _out_of_memory(message: str) -> bool:
    return "MemoryError" in message or "can't allocate memory" in message or "Cannot allocate memory" in message


def _size(number: int) -> str:
    return f"{number / 1024**3:g} GiB" if number >= 1024**3 else f"{number / 1024**2:g} MiB"


def _tail(path: Path, lines: int = 20) -> str:
    """The last lines of a file, reading only its end (a snippet may print gigabytes)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - TAIL_BYTES))
        text = handle.read().decode(errors="replace")
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _child(
    path: str,
    cwd: str,
    send,
    stack_file: str,
    output_file: str,
    timeout: float,
    source: str,
    threads: int,
    memory: int | None,
    token: str,
    network: str = "",
) -> None:
    """Runs in the forked process."""
    import gc
    import random
    import resource
    import threading

    import pytest_socket
    import torch

    from harness import asserts

    # Everything the forkserver loaded is left out of garbage collection in this process: a full
    # collection would touch (and copy) every page of the inherited heap. The snippet's own
    # objects are still collected, below too.
    gc.freeze()
    os.setsid()  # its own session and process group: whatever it starts can be found and killed
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
    if network == "loopback":
        allow_loopback_only()
    else:
        pytest_socket.disable_socket(allow_unix_socket=False)
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT))
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # torch's default intra-op pool has one thread per core: on a busy 2-core machine that
    # oversubscribes and a 1 s snippet takes 30 s or more. A snippet may raise it (`Threads:`).
    torch.set_num_threads(threads)
    # Snippets seed themselves; this makes even an unseeded draw repeatable.
    torch.manual_seed(0)
    random.seed(0)
    from harness import outputs  # records what each print writes, for the `#> ` lines

    recorder = outputs.install(path)
    record = asserts.Recorder()
    errors: list[tuple[int | None, str]] = []  # failures outside the main thread

    def thread_failed(args) -> None:
        if args.exc_type is not SystemExit:
            name = args.thread.name if args.thread else "a thread"
            errors.append(
                (_error_line(args.exc_value, path), f"exception in thread {name}: {_one_line(args.exc_value)}")
            )

    def unraisable(args) -> None:
        errors.append(
            (_error_line(args.exc_value, path), f"unraisable exception ({args.err_msg}): {_one_line(args.exc_value)}")
        )

    threading.excepthook, sys.unraisablehook = thread_failed, unraisable
    threads_before = set(threading.enumerate())
    from harness import patches

    patches.ensure()
    if source is not None:
        # What runs is `source`, not the file on disk: code that reads its own source back
        # (`torch.jit.script` compiles a function from `inspect.getsource`) must see this text,
        # or a mutant's change is silently undone there. An entry with no mtime stays cached.
        import linecache

        linecache.cache[path] = (len(source), None, source.splitlines(keepends=True), path)
    try:
        code = _compile(Path(path), source)
        namespace = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__, asserts.NAME: record}
        exec(code, namespace)
        del namespace
        result = {"status": "passed", "duration": time.perf_counter() - start}
    except BaseException as exc:  # noqa: BLE001 - report anything, SystemExit included
        result = {
            "status": "failed",
            "duration": time.perf_counter() - start,
            "line": _error_line(exc, path),
            "message": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
        }
        if isinstance(exc, SystemExit):
            result["message"] = f"the snippet exited early ({result['message']}): asserts after it never ran"
    gc.collect()  # unraisable exceptions in finalizers show up now, not after the result
    running = [t.name for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    if result["status"] == "passed":
        if errors:
            line, message = errors[0]
            result.update(status="failed", line=line, message=message)
        elif running:
            result.update(status="failed", message=f"left a thread running: {', '.join(sorted(running))}")
        elif replaced := patches.changed():
            result.update(status="failed", message=f"replaced {', '.join(replaced)} during its run")
    result["prints"] = outputs.recorded(recorder)
    result["asserts"] = dict(record.counts)
    result["token"] = token
    faulthandler.cancel_dump_traceback_later()
    sys.stdout.flush()
    sys.stderr.flush()
    send.send(result)
    send.close()


class NetworkBlockedError(RuntimeError):
    """A socket to anything but a loopback address, in a run that declared `Network: loopback`."""


def _loopback(address) -> bool:
    """True for an (IPv4 or IPv6) address tuple whose host is a loopback IP literal; no lookup."""
    import ipaddress

    if not isinstance(address, tuple) or not address or not isinstance(address[0], str):
        return False
    try:
        return ipaddress.ip_address(address[0].split("%")[0]).is_loopback
    except ValueError:  # a host name: resolving it would itself query the network
        return False


def allow_loopback_only() -> None:
    """Sockets for `Network: loopback`: IPv4/IPv6 only, and every address they bind, connect or
    send to must be a loopback literal (127.0.0.0/8, ::1); host names are not resolved.

    Like pytest-socket, this guards Python's socket module only: the run's processes (forked
    ranks inherit it) cannot open another Python socket, but native code that opens its own
    sockets (gloo, the c10d TCPStore) is bound by what the snippet passes it, which review checks
    (`tcp://127.0.0.1:PORT`). CONTRIBUTING.md, "Threat model", says so.
    """
    import socket

    true_socket = socket.socket
    allowed = {socket.AF_INET, socket.AF_INET6}

    def refuse(what, address) -> None:
        raise NetworkBlockedError(
            f"{what} {address!r} refused: a `Network: loopback` snippet may reach 127.0.0.1 or ::1 only"
        )

    def check(what, address) -> None:
        if not _loopback(address):
            refuse(what, address)

    class LoopbackSocket(true_socket):
        def __new__(cls, family=-1, type=-1, proto=-1, fileno=None):  # noqa: A002 - socket's own names
            if fileno is None and family not in allowed and family != -1:
                refuse("a socket of family", family)
            return super().__new__(cls, family, type, proto, fileno)

        def bind(self, address):
            check("binding to", address)
            return super().bind(address)

        def connect(self, address):
            check("connecting to", address)
            return super().connect(address)

        def connect_ex(self, address):
            check("connecting to", address)
            return super().connect_ex(address)

        def sendto(self, data, *args):
            check("sending to", args[-1] if args else None)
            return super().sendto(data, *args)

        def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
            if address is not None:
                check("sending to", address)
            return super().sendmsg(buffers, ancdata, flags, *([address] if address is not None else []))

    def getaddrinfo(host, port, *args, **kwargs):
        check("looking up", (host if isinstance(host, str) else str(host), port))
        return pytest_socket._true_getaddrinfo(host, port, *args, **kwargs)

    import pytest_socket

    socket.socket = LoopbackSocket
    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = pytest_socket._guarded_gethostbyname


def _one_line(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]


def _compile(path: Path, source: str | None = None):
    """Compile with pytest's assertion rewriting, so a failed assert shows the values it saw.

    Each assert is first wrapped with the recorder calls that count it (harness.asserts).
    """
    from _pytest.assertion.rewrite import rewrite_asserts

    from harness import asserts

    if source is None:
        source = path.read_text(encoding="utf-8")
    tree = asserts.instrument(ast.parse(source, filename=str(path)))
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
