"""Every code block a reader can copy runs alone, as copied.

For each page (docs/**/*.md), every fence that gets a copy button is resolved to the text a
reader copies: an include (`--8<-- "path:section"`) is expanded by pymdownx.snippets itself,
with the site's settings, then engine markers are removed (`reader_code.strip_markers`, as the
build does). Each python block then runs alone through the snippet sandbox: a forked child, in
an empty temporary folder, saved as a script as a reader would. Its asserts must pass, its `#> `
output lines must match what it printed, and a package beyond torch must be named on its first
line (`# Requires: pip install torchmetrics`). A block that imports a helper file the page offers
for download names it on its first line instead (`# Requires: eval_audit.py, saved next to this
script`): the check copies that file, from the folder of the snippet the block includes, next to
the saved script, as the reader would.

One test item per page. A failure names the page, the block's number on the page (counting
every block with a copy button, in page order), its first line and the error. Blocks from
`Requires: cuda` snippets are skipped, with the reason, where CUDA is missing. The counts are
printed at the end of the run and stored under `copyable` in the results file; the browser
test (tests/test_browser.py) adds what it copied under `copy_buttons`.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import outputs, requirements, sandbox
from harness.fences import find_fences
from harness.reader_code import OUTPUT, PYTHON, strip_markers
from harness.results import EXTRA
from harness.snippet import DEFAULT_TIMEOUT, SnippetError, parse

_REQUIRES = re.compile(r"^#\s*Requires:\s*pip install\s+(?P<packages>\S.*?)\s*$")
# Installed with torch itself: no `# Requires:` line needed.
WITH_TORCH = {"torch", "typing_extensions", "sympy", "networkx", "jinja2", "filelock", "fsspec"}
# Import name -> what `pip install` takes, where they differ.
DISTRIBUTION = {"PIL": "pillow", "sklearn": "scikit-learn", "yaml": "pyyaml", "cv2": "opencv-python"}
_CUDA_CODE = re.compile(r"\bcuda\b")
# A helper file from the page's snippets folder, saved by the reader next to the copied script.
_REQUIRES_FILE = re.compile(r"^#\s*Requires:\s*(?P<file>[A-Za-z_]\w*\.py)\b")
# A block whose processes talk over 127.0.0.1 says so where the reader sees it, before the code:
# `# Network: loopback (two local processes talk over 127.0.0.1)`. Only then may it open sockets,
# and only to loopback addresses (harness.sandbox.allow_loopback_only).
_NETWORK = re.compile(r"^#\s*Network:\s*loopback\b")


@dataclass
class Block:
    page: str  # relative to the repository root
    number: int  # 1-based, among the page's blocks with a copy button
    line: int  # the fence's line in the page
    language: str
    text: str  # what the reader copies
    requires: set[str] = field(default_factory=set)
    torch_range: str = ""
    timeout: float = DEFAULT_TIMEOUT
    threads: int = 1
    network: str = ""  # what the snippets it includes declare (`Network: loopback`)
    error: str = ""  # the block could not be resolved (a missing include: the fences check names it too)
    folders: list[Path] = field(default_factory=list)  # folders of the snippets it includes: helper files

    @property
    def first_line(self) -> str:
        return next((t.strip() for t in self.text.splitlines() if t.strip()), "")

    @property
    def label(self) -> str:
        return f"{self.page}, block {self.number} (line {self.line}: `{self.first_line}`)"


@dataclass
class Result:
    status: str  # passed | failed | skipped
    detail: str = ""  # the error or the skip reason
    reused: bool = False


# --- what a reader copies ----------------------------------------------------------------------


def _snippets_settings(root: Path) -> dict:
    """pymdownx.snippets' settings in mkdocs.yml (tags such as !relative are not needed here)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader) or {}
    for entry in config.get("markdown_extensions", []):
        if isinstance(entry, dict) and "pymdownx.snippets" in entry:
            return dict(entry["pymdownx.snippets"] or {})
    return {}


def _expander(root: Path):
    import markdown

    settings = _snippets_settings(root)
    settings.update(base_path=[str(root)], check_paths=True)
    md = markdown.Markdown(extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": settings})
    return md.preprocessors["snippet"]


def blocks(page: Path, root: Path) -> list[Block]:
    """The blocks of ``page`` that get a copy button, with the text each one copies."""
    expand = _expander(root)
    found: list[Block] = []
    rel = page.relative_to(root).as_posix()
    for fence in find_fences(page.read_text(encoding="utf-8")):
        language = fence.language
        if language in OUTPUT:
            continue  # output and error text: no copy button (reader_code gives it `.no-copy`)
        width = len(fence.indent)
        body = [t[width:] if not t[:width] or t[:width].isspace() else t.lstrip() for t in fence.body]
        block = Block(rel, len(found) + 1, fence.line, language, "")
        for target in fence.includes:
            _requirements_of(block, root / target.partition(":")[0])
            block.folders.append((root / target.partition(":")[0]).parent)
        try:
            expanded = expand.run(body) if fence.includes else body
        except Exception as exc:  # noqa: BLE001 - pymdownx raises its own error types for a bad include
            block.error, expanded = f"the include cannot be resolved: {exc}", body
        text = strip_markers("\n".join(expanded)) if language in PYTHON else "\n".join(expanded)
        block.text = text.rstrip() + "\n"
        found.append(block)
    return found


def copied_block(page: str, number: int, text: str) -> Block:
    """A block met only in the browser (no Markdown source): Python if it parses; CUDA if it says so."""
    try:
        ast.parse(text)
        language = "python"
    except SyntaxError:
        language = ""
    block = Block(page, number, 0, language, text)
    if _CUDA_CODE.search(text):
        block.requires.add("cuda")
    return block


def _requirements_of(block: Block, path: Path) -> None:
    try:
        snippet = parse(path)
    except (SnippetError, OSError):
        return  # the snippet's own test item reports it
    block.requires |= snippet.requires
    block.torch_range = block.torch_range or snippet.torch
    block.timeout = max(block.timeout, snippet.timeout)
    block.threads = max(block.threads, snippet.threads)
    block.network = block.network or snippet.network


# --- the packages a block needs ----------------------------------------------------------------


def declared_packages(text: str) -> tuple[list[str], list[str]]:
    """(packages named on the block's `# Requires: pip install ...` first line, problems)."""
    lines = [t.strip() for t in text.splitlines() if t.strip()]
    declared, found = [], []
    local = set()  # modules the reader saves next to the script (`# Requires: helper.py ...`)
    for index, line in enumerate(lines):
        match = _REQUIRES.match(line)
        if match and index == 0:
            declared = [re.split(r"[<>=!~\[ ]", p)[0] for p in match["packages"].split()]
        elif match:
            found.append(f"`{line}` must be the block's first line, where a reader sees it before copying")
        helper = _REQUIRES_FILE.match(line)
        if helper and index == 0:
            local.add(helper["file"].removesuffix(".py"))
        elif helper:
            found.append(f"`{line}` must be the block's first line, where a reader sees it before copying")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return declared, found  # the run reports it
    imported = set()
    for node in ast.walk(tree):
        # Tensor.numpy() needs numpy, which torch does not install.
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "numpy":
            imported.add("numpy")
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    names = {_normalise(p) for p in declared}
    for module in sorted(imported - set(sys.stdlib_module_names) - WITH_TORCH - local):
        dist = DISTRIBUTION.get(module, module)
        if _normalise(dist) not in names and _normalise(module) not in names:
            found.append(
                f"{'uses' if module == 'numpy' else 'imports'} {module}, which torch does not bring: "
                f"start the block with `# Requires: pip install {dist}`"
            )
    return declared, found


def declared_network(text: str) -> str:
    """ "loopback" if a comment line before the block's first line of code says `# Network: loopback`."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("#"):
            return ""
        if _NETWORK.match(line):
            return "loopback"
    return ""


def declared_files(text: str) -> list[str]:
    """The helper file named on the block's first line (`# Requires: eval_audit.py ...`), if any."""
    first = next((t.strip() for t in text.splitlines() if t.strip()), "")
    match = _REQUIRES_FILE.match(first)
    return [match["file"]] if match else []


def _helper_files(block: Block) -> tuple[list[Path], str]:
    """(the helper files a block names, found in the folders of the snippets it includes; problem)."""
    paths = []
    for name in declared_files(block.text):
        found = [folder / name for folder in block.folders if (folder / name).is_file()]
        if not found:
            where = ", ".join(sorted({f.as_posix() for f in block.folders})) or "none: the block includes no snippet"
            return [], f"names {name} on its first line, but no folder of the snippets it includes has it ({where})"
        paths.append(found[0])
    return paths, ""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _missing_package(packages: list[str]) -> str | None:
    by_dist = {_normalise(d): m for m, d in DISTRIBUTION.items()}
    for package in packages:
        module = by_dist.get(_normalise(package), package.replace("-", "_"))
        if importlib.util.find_spec(module) is None:
            return f"needs {package} (`pip install {package}`), which is not installed here"
    return None


# --- running one block -------------------------------------------------------------------------


def needs_cuda(block: Block) -> bool:
    return "cuda" in block.requires


def run_block(block: Block, config=None, cache: dict | None = None) -> Result:
    """Run ``block`` alone as a reader would; never raises for a failing block."""
    if block.error:
        return Result("failed", block.error)
    if block.language not in PYTHON:
        return Result("skipped", f"a {block.language or 'plain'} block, not Python: not run")
    declared, found = declared_packages(block.text)
    if found:
        return Result("failed", "\n".join(found))
    if block.torch_range:
        from packaging.specifiers import SpecifierSet

        version = requirements.torch_version()
        if version not in SpecifierSet(block.torch_range):
            return Result("skipped", f"applies to torch {block.torch_range}; this is torch {version}")
    if needs_cuda(block) and not requirements.cuda_available():
        if config is not None and config.getoption("--require-cuda"):
            return Result("failed", f"{requirements.missing_reason()}, and --require-cuda forbids skipping it")
        return Result("skipped", requirements.missing_reason())
    missing = _missing_package(declared)
    if missing:
        return Result("skipped", missing)
    helpers, problem = _helper_files(block)
    if problem:
        return Result("failed", problem)
    if block.network and not declared_network(block.text):
        return Result(
            "failed",
            f"includes a `Network: {block.network}` snippet: start the block with a comment the reader sees, "
            "`# Network: loopback (<why>)`, before its first line of code",
        )
    contents = "|".join(p.read_text(encoding="utf-8") for p in helpers)
    key = hashlib.sha256(f"{block.timeout}|{block.threads}|{block.text}|{contents}".encode()).hexdigest()
    if cache is not None and key in cache:
        return Result(cache[key].status, cache[key].detail, reused=True)
    result = _run(block, helpers, key)
    if cache is not None:
        cache[key] = result
    return result


def _run(block: Block, helpers: list[Path] = (), key: str | None = None) -> Result:
    with tempfile.TemporaryDirectory(prefix="copied-") as folder:
        for helper in helpers:  # the files the reader saved next to the script, and nothing else
            (Path(folder) / helper.name).write_text(helper.read_text(encoding="utf-8"), encoding="utf-8")
        script = Path(folder) / "copied.py"  # saved as a script, run from an empty folder
        script.write_text(block.text, encoding="utf-8")
        outcome = sandbox.run(
            script,
            block.timeout,
            Path(folder),
            source=block.text,
            threads=block.threads,
            network=declared_network(block.text),
            reuse_key=None if key is None else f"copied block {key}",
        )
    code = block.text.splitlines()
    if outcome.status != "passed":
        where = f"line {outcome.line} of the block" if outcome.line else "the block"
        lines = [f"{outcome.status} at {where}: {outcome.message.splitlines()[0] if outcome.message else ''}"]
        if outcome.line and 0 < outcome.line <= len(code):
            lines.append(f"  {outcome.line:>4} | {code[outcome.line - 1].strip()}")
        lines += [f"  {t}" for t in outcome.message.splitlines()[1:]]
        return Result("failed", "\n".join(lines))
    found = outputs.problems(block.text, outcome.prints, "copied block")
    if found:
        return Result("failed", "what it printed differs from its `#> ` lines:\n" + "\n".join(found))
    return Result("passed")


# --- counts ------------------------------------------------------------------------------------


def count(config, key: str, result: Result) -> None:
    """Add one block's result to the counts stored under ``key`` in the results file."""
    counts = config.stash.setdefault(EXTRA, {}).setdefault(
        key, {"blocks": 0, "python": 0, "passed": 0, "failed": 0, "skipped": 0, "reused": 0, "skip_reasons": {}}
    )
    counts["blocks"] += 1
    if "not Python" in result.detail:
        return
    counts["python"] += 1
    counts[result.status] += 1
    counts["reused"] += result.reused
    if result.status == "skipped":
        counts["skip_reasons"][result.detail] = counts["skip_reasons"].get(result.detail, 0) + 1


def summary(name: str, counts: dict) -> str:
    reasons = "; ".join(f"{n} skipped: {r}" for r, n in counts["skip_reasons"].items())
    reused = ""
    if counts["reused"]:
        reused = f", {counts['reused']} of them identical to a block already run in this pytest run"
    return (
        f"{name}: {counts['python']} python blocks of {counts['blocks']} copyable: {counts['passed']} passed, "
        f"{counts['failed']} failed, {counts['skipped']} skipped{reused}" + (f" ({reasons})" if reasons else "")
    )


# --- pytest: one item per page -----------------------------------------------------------------

_CACHE = pytest.StashKey[dict]()


def run_cache(config) -> dict:
    return config.stash.setdefault(_CACHE, {})


def pytest_collect_file(file_path: Path, parent):
    docs = parent.config.rootpath / "docs"
    if file_path.suffix == ".md" and docs in file_path.parents:
        return CopyablePage.from_parent(parent, path=file_path)
    return None


def pytest_collection_finish(session):
    if any(isinstance(item, CopyableItem) for item in session.items):
        sandbox.warm_up()


def pytest_terminal_summary(terminalreporter, config):
    extra = config.stash.get(EXTRA, {})
    for key, name in (("copyable", "copyable blocks run alone"), ("copy_buttons", "copy buttons clicked")):
        if key in extra:
            terminalreporter.write_line(summary(name, extra[key]))


class CopyablePage(pytest.File):
    def collect(self):
        yield CopyableItem.from_parent(self, name="copy-run")


def check_page(page: Path, root: Path, config=None, cache: dict | None = None) -> tuple[list[str], list[str], int]:
    """(failures, skip reasons, python blocks run) for the copyable blocks of ``page``."""
    failures, skipped, ran = [], [], 0
    for block in blocks(page, root):
        result = run_block(block, config, cache)
        if config is not None:
            count(config, "copyable", result)
        if result.status == "failed":
            failures.append(f"{block.label}: " + result.detail.replace("\n", "\n    "))
        elif result.status == "skipped" and block.language in PYTHON:
            skipped.append(f"{block.label}: {result.detail}")
        ran += block.language in PYTHON and result.status != "skipped"
    return failures, skipped, ran


class CopyableItem(pytest.Item):
    def runtest(self):
        root = self.config.rootpath
        failures, skipped, ran = check_page(self.path, root, self.config, run_cache(self.config))
        if failures:
            raise CopiedBlockFailure(
                f"{len(failures)} block(s) of {self.path.relative_to(root)} fail when copied and run alone:\n"
                + "\n".join(failures)
            )
        if skipped and not ran:
            pytest.skip("; ".join(skipped))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CopiedBlockFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"copyable blocks of {self.path.relative_to(self.config.rootpath)}"


class CopiedBlockFailure(Exception):
    pass
