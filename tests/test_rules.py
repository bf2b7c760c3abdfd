"""A false claim cannot be talked into green: each way of cheating fails, naming file and line.

The static rules are checked in-process on small sources. The run-time rules (asserts counted
when they run, a run that cannot be tampered with) are checked the way a contributor meets them:
each hostile snippet is written into a temporary copy of the project and the suite is run on it
once; every case must be red with its own message.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_engine import make_project, run_suite, snippet, write

from harness import rules
from harness.snippet import SnippetError, parse

HERE = "# <- here"


def line_of(text: str, mark: str = HERE) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if mark in line)


# --- static rules: (source, substring of the message); the line is the one marked `# <- here` ----

STATIC = {
    "except-assertion-error": (
        "try:\n    assert 1 == 2\nexcept AssertionError:  # <- here\n    assert 2 == 2\n",
        "`except AssertionError` catches AssertionError",
    ),
    "bare-except": ("try:\n    assert 1 == 2\nexcept:  # <- here\n    pass\n", "bare `except:`"),
    "except-base-exception": (
        "try:\n    assert 1 == 2\nexcept BaseException as e:  # <- here\n    assert e\n",
        "`except BaseException`",
    ),
    "except-exception-in-tuple": (
        "try:\n    assert 1 == 2\nexcept (ValueError, Exception):  # <- here\n    assert 1\n",
        "`except Exception`",
    ),
    "except-builtins-attribute": (
        "import builtins\ntry:\n    assert 1 == 2\nexcept builtins.AssertionError:  # <- here\n    assert 1 == 1\n",
        "`except AssertionError`",
    ),
    "handler-without-assert": (
        "try:\n    int('x')\nexcept ValueError as error:  # <- here\n    message = str(error)\n",
        "handler asserts nothing",
    ),
    "contextlib-suppress": (
        "import contextlib\nwith contextlib.suppress(AssertionError):  # <- here\n    assert 1 == 2\n",
        "`suppress` hides exceptions",
    ),
    "return-in-finally": (
        "def f():\n    try:\n        assert 1 == 2\n    finally:\n        return 1  # <- here\nf()\n",
        "`return` in a `finally` block",
    ),
    "tuple-assert": ("x = 1\nassert (x == 2, 'x is two')  # <- here\n", "compile-time warning is an error"),
    "is-literal": ("x = 300\nassert x is 300  # <- here\n", "compile-time warning is an error"),
    "assert-true": ("assert True  # <- here\n", "assert can never fail"),
    "assert-string": ("assert 'the claim holds'  # <- here\n", "assert can never fail"),
    "assert-or-true": ("x = 1\nassert x == 2 or 1  # <- here\n", "assert can never fail"),
    "patch-torch": ("import torch\ntorch.equal = lambda *a: True  # <- here\n", "changes `torch.equal`"),
    "patch-submodule": (
        "import torch.nn.functional as F\nF.relu = lambda x: x  # <- here\n",
        "changes `F.relu`",
    ),
    "patch-through-alias": (
        "import torch\nnn = torch.nn\nfun = nn.functional\nfun.dropout = lambda x, **k: x  # <- here\n",
        "changes `fun.dropout`",
    ),
    "patch-imported-class": (
        "from torch import Tensor\nTensor.__eq__ = lambda *a: True  # <- here\n",
        "changes `Tensor.__eq__`",
    ),
    "replace-environ": ("import os\nos.environ = {}  # <- here\n", "changes `os.environ`"),
    "patch-builtins": ("import builtins\nbuiltins.len = lambda x: 3  # <- here\n", "changes `builtins.len`"),
    "patch-math": ("import math\nmath.isclose = lambda *a, **k: True  # <- here\n", "changes `math.isclose`"),
    "patch-numpy": ("import numpy as np\nnp.allclose = lambda *a, **k: True  # <- here\n", "changes `np.allclose`"),
    "patch-module-dict": (
        "import torch\ntorch.__dict__['equal'] = lambda *a: True  # <- here\n",
        "changes `torch.__dict__['equal']`",
    ),
    "setattr-torch": ("import torch\nsetattr(torch, 'equal', max)  # <- here\n", "`setattr` on `torch`"),
    "delete-from-torch": ("import torch\ndel torch.Tensor.grad_fn  # <- here\n", "changes `torch.Tensor.grad_fn`"),
    "patch-thread-hook": (
        "import threading\nthreading.excepthook = print  # <- here\n",
        "changes `threading.excepthook`",
    ),
    "shadow-assertion-error": (
        "AssertionError = ValueError  # <- here\ntry:\n    assert 1 == 2\nexcept ValueError as e:\n    assert e\n",
        "rebinds the builtin `AssertionError`",
    ),
    "shadow-isinstance": ("def isinstance(*args):  # <- here\n    return True\n", "rebinds the builtin `isinstance`"),
    "shadow-by-import": (
        "from torch import equal as all  # <- here\n",
        "rebinds",
    ),
    "exec": ("exec('assert 1 == 1')  # <- here\n", "`exec` is not allowed"),
    "eval": ("assert eval('1 == 1')  # <- here\n", "`eval` is not allowed"),
    "compile-alias": ("run = compile  # <- here\n", "`compile` is not allowed"),
    "dunder-import": ("torch = __import__('torch')  # <- here\n", "`__import__` is not allowed"),
    "globals": ("globals()['x'] = 1  # <- here\n", "`globals` is not allowed"),
    "getframe": ("import sys\nframe = sys._getframe(0)  # <- here\n", "`sys._getframe` is not allowed"),
    "traceback-frame": (
        "try:\n    int('x')\nexcept ValueError as e:\n    f = e.__traceback__.tb_frame  # <- here\n    assert f\n",
        "is not allowed in a snippet: it reads the interpreter's frames",
    ),
    "heap-search": ("import gc\nobjects = gc.get_objects()  # <- here\n", "`gc.get_objects` is not allowed"),
    "os-exit": ("import os\nassert 1 == 1\nos._exit(0)  # <- here\n", "`os._exit` is not allowed"),
    "sys-modules": (
        "import sys\nfor module in list(sys.modules.values()):  # <- here\n    pass\n",
        "`sys.modules` is not allowed",
    ),
    "import-inspect": ("import inspect  # <- here\n", "importing `inspect` is not allowed"),
    "import-harness": ("from harness import asserts  # <- here\n", "importing `harness` is not allowed"),
    "import-ctypes": ("from ctypes import pythonapi  # <- here\n", "importing `ctypes` is not allowed"),
}


@pytest.mark.parametrize("name", sorted(STATIC))
def test_static_rule_names_the_line(name):
    source, message = STATIC[name]
    found = rules.check(Path("snippets/demo/case.py"), source)
    assert found, f"{name}: not refused"
    assert any(line == line_of(source) and message in text for line, text in found), found


@pytest.mark.parametrize(
    "source",
    [
        # the expected-exception form of CONTRIBUTING.md
        "import torch\ntry:\n    torch.ones(2).item()\nexcept RuntimeError as error:\n    assert 'one element' in str(error)\n",
        # a model's own attributes, a local object's, and torch's own functions used normally
        "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.weight = torch.nn.Parameter(torch.ones(2, 2))\n"
        "model.training = False\nassert torch.equal(model.weight, torch.ones(2, 2))\n",
        "import torch\nx = torch.ones(2)\nx.requires_grad = True\nassert x.grad is None\n",
        "import gc\ngc.collect()\nassert gc.isenabled()\n",
        "import re\npattern = re.compile('a')\nassert pattern.match('a')\n",
        # settings for the snippet's own process: an environment variable, a matplotlib rcParam
        "import os\nos.environ['HF_HUB_OFFLINE'] = '1'\nassert os.environ['HF_HUB_OFFLINE'] == '1'\n",
        "import matplotlib.pyplot as plt\nplt.rcParams['svg.hashsalt'] = 'x'\nassert plt.rcParams['svg.hashsalt']\n",
    ],
)
def test_ordinary_code_passes_the_rules(source):
    assert rules.check(Path("case.py"), source) == []


def test_memory_header_is_parsed(tmp_path):
    path = tmp_path / "case.py"
    path.write_text(snippet("demo.big", "assert 1 + 1 == 2\n", "\nMemory: 8G\n"))
    assert parse(path).memory == 8 * 1024**3
    path.write_text(snippet("demo.big", "assert 1 + 1 == 2\n", "\nMemory: 512M\n"))
    assert parse(path).memory == 512 * 1024**2
    path.write_text(snippet("demo.big", "assert 1 + 1 == 2\n", "\nMemory: lots\n"))
    with pytest.raises(SnippetError, match="Memory must be a size"):
        parse(path)


# --- run-time rules: one suite run on a project full of hostile snippets -------------------------


def _case(claim: str, body: str, header: str = "") -> str:
    return snippet(claim, body, header)


RUNTIME = {
    # file: (content, regex after "snippets/demo/<file>:<line>: "; the line is marked `# <- here`, or
    # is the claim marker named in MARKS; a failure with no line reads "snippets/demo/<file>: ...")
    "dead_branch.py": (
        _case(
            "demo.dead", "import torch\n\nassert torch.ones(1).sum() == 1\nif False:\n    assert 1 == 2  # <- here\n"
        ),
        r"failed: assert never ran",
    ),
    "uncalled.py": (
        _case("demo.uncalled", "def check():\n    assert 1 == 2  # <- here\n\n\nprint('done')\nassert 2 == 2\n"),
        r"failed: assert never ran",
    ),
    "early_return.py": (
        _case(
            "demo.early-return",
            "def check(x):\n    if x:\n        return\n    assert x == 2  # <- here\n\n\ncheck(1)\nassert 1 == 1\n",
        ),
        r"failed: assert never ran",
    ),
    "early_exit.py": (
        _case("demo.early-exit", "import sys\n\nassert 1 == 1\nsys.exit(0)  # <- here\nassert 1 == 2\n"),
        r"failed: the snippet exited early \(SystemExit: 0\)",
    ),
    "swallowing_context.py": (
        _case(
            "demo.swallowed",
            "class Quiet:\n    def __enter__(self):\n        return self\n\n    def __exit__(self, *exc):\n"
            "        return True\n\n\nwith Quiet():\n    assert 1 == 2  # <- here\nassert 2 == 2\n",
        ),
        r"failed: assert did not pass 1 of the 1 time\(s\) it ran",
    ),
    "aliased_assertion_error.py": (
        _case(
            "demo.alias",
            "Expected = AssertionError\ntry:\n    assert 1 == 2  # <- here\n"
            "except Expected as error:\n    assert 'never' not in str(error)\n",
        ),
        r"failed: assert did not pass 1 of the 1 time\(s\) it ran",
    ),
    "empty_claim_region.py": (
        '"""Case.\n\nClaims:\n    demo.first: A statement.\n    demo.second: Another statement.\n"""\n'
        "# claim: demo.first\nassert 1 + 1 == 2\n\n# claim: demo.second\nprint('the asserts were here')\n",
        r"failed: claim demo\.second: none of the asserts in its region ran",
    ),
    "thread_failure.py": (
        _case(
            "demo.thread",
            "import threading\n\n\ndef work():\n    assert 1 == 2  # <- here\n\n\n"
            "thread = threading.Thread(target=work)\nthread.start()\nthread.join()\nassert 2 == 2\n",
        ),
        r"failed: exception in thread Thread-\d+ \(work\): AssertionError",
    ),
    "unraisable.py": (
        _case(
            "demo.unraisable",
            "class Finalized:\n    def __del__(self):\n        raise ValueError('lost')  # <- here\n\n\n"
            "Finalized()\nassert 1 == 1\n",
        ),
        r"failed: unraisable exception .*ValueError: lost",
    ),
    "thread_left.py": (
        _case(
            "demo.thread-left",
            "import threading\nimport time\n\nthreading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
            "assert 1 == 1\n",
        ),
        r"failed: left a thread running",
    ),
    "process_left.py": (
        _case("demo.process-left", "import subprocess\n\nsubprocess.Popen(['sleep', '30'])\nassert 1 == 1\n"),
        r"failed: left a process running: pid \d+ \(sleep 30\)",
    ),
    "process_escaped.py": (
        _case(
            "demo.process-escaped",
            "import subprocess\n\nsubprocess.run(['sh', '-c', 'setsid sleep 30 &'], check=True)\nassert 1 == 1\n",
        ),
        r"failed: left a process running: pid \d+",
    ),
    "patched_through_list.py": (
        _case(
            "demo.patched",
            "import torch\n\nmodules = [torch]\nmodules[0].equal = lambda *a: True\n"
            "assert torch.equal(torch.ones(1), torch.zeros(1))\n",
        ),
        r"failed: replaced torch\.equal during its run",
    ),
    "too_much_memory.py": (
        _case(
            "demo.memory",
            "import torch\n\nbig = torch.empty(6 * 1024**3, dtype=torch.uint8)  # <- here\nassert big.numel()\n",
        ),
        r"failed: RuntimeError: .*can't allocate memory.*\n(.*\n)*.*limited to 4 GiB of memory: raise it with `Memory: 8G`",
    ),
    "floods_output.py": (
        _case(
            "demo.flood", "chunk = 'x' * 1_000_000\nfor _ in range(100):\n    print(chunk)  # <- here\nassert 1 == 1\n"
        ),
        r"failed: OSError: \[Errno 27\] File too large\n(.*\n)*.*at most 64 MiB to one file",
    ),
    "rewrites_itself.py": (
        _case(
            "demo.rewrites",
            "from pathlib import Path\n\nassert 1 == 1\nPath(__file__).write_text(Path(__file__).read_text())\n"
            "(Path(__file__).parents[2] / 'docs' / 'planted.md').write_text('# planted')\n",
        ),
        r"failed: changed project files during its run: docs/planted\.md \(created\)",
    ),
    "writes_results.py": (
        _case(
            "demo.results",
            "from pathlib import Path\n\nresults = Path(__file__).parents[2] / 'build' / 'results'\n"
            "results.mkdir(parents=True, exist_ok=True)\n(results / 'cpu.json').write_text('{}')\nassert 1 == 1\n",
        ),
        r"failed: changed project files during its run: build/results/cpu\.json \(created\)",
    ),
    "works_in_fresh_folder.py": (
        _case(
            "demo.cwd",
            "import os\nfrom pathlib import Path\n\nassert os.listdir('.') == []\nPath('scratch.txt').write_text('x')\n"
            "assert Path.cwd().name.startswith('snippet-')\nassert 1 == 2  # <- here\n",
        ),
        r"failed: AssertionError",
    ),
    "swallowed_statically.py": (
        _case("demo.static", "try:\n    assert 1 == 2\nexcept AssertionError:  # <- here\n    assert 2 == 2\n"),
        r"`except AssertionError` catches AssertionError",
    ),
    "tuple_assert.py": (
        _case("demo.tuple", "x = 1\nassert (x == 2, 'x is two')  # <- here\n"),
        r"assert can never fail: its test is always true\n.*compile-time warning is an error here: assertion is always true",
    ),
}


MARKS = {"empty_claim_region.py": "# claim: demo.second"}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("hostile"))
    for name, (text, _) in RUNTIME.items():
        write(project, f"snippets/demo/{name}", text)
    return run_suite(project, "snippets"), project


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_hostile_snippet_fails_naming_file_and_line(hostile_run, name):
    result, _ = hostile_run
    text, expected = RUNTIME[name]
    mark = MARKS.get(name, HERE)
    where = f":{line_of(text, mark)}" if mark in text else ""
    assert re.search(rf"snippets/demo/{re.escape(name)}{where}: {expected}", result.stdout), result.stdout[-6000:]
    assert re.search(rf"FAILED snippets/demo/{re.escape(name)}::run", result.stdout)


def test_hostile_run_is_red_and_the_good_snippet_still_passes(hostile_run):
    result, project = hostile_run
    assert result.returncode == 1
    assert "snippets/demo/good.py::run" not in result.stdout.split("short test summary")[-1]
    assert "sleep 30" not in _processes()  # what the snippets left running was killed


def _processes() -> str:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            found.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
    return "\n".join(found)


@pytest.mark.parametrize("name", ["snippets/demo/conftest.py", "docs/test_page.py", "snippets/demo/test_claim.py"])
def test_test_modules_under_content_are_refused_before_import(tmp_path, name):
    project = make_project(tmp_path)
    planted = project / "planted"
    write(project, name, f"from pathlib import Path\n\nPath({str(planted)!r}).write_text('imported')\n")
    result = run_suite(project, "snippets", "docs")
    assert result.returncode != 0
    assert name in result.stdout + result.stderr
    assert not planted.exists(), "pytest imported the planted file"


def test_a_snippet_named_on_the_command_line_is_not_imported_by_pytest(tmp_path):
    """pytest collects a .py file given by path as a test module, whatever its name: the snippet
    would run in the pytest process, outside the sandbox (collection only: the sandbox runs nothing)."""
    project = make_project(tmp_path)
    planted = project / "planted"
    source = (project / "snippets/demo/good.py").read_text(encoding="utf-8")
    write(project, "snippets/demo/good.py", source + f"\nopen({str(planted)!r}, 'w').close()\n")
    result = run_suite(project, "snippets/demo/good.py", "docs/index.md", "--collect-only")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "snippets/demo/good.py::run" in result.stdout
    assert not planted.exists(), "pytest imported the snippet at collection"


def test_a_machine_that_writes_bytecode_gets_no_false_change(tmp_path):
    """CI writes .pyc files: the forkserver's own imports must not count as a run changing tests/."""
    project = make_project(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "snippets"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert list((project / "tests").rglob("*.pyc")), "the check ran without bytecode being written"
