"""Collection: every file in snippets/ and every notebook page (docs/**/*.py) is one test item."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import asserts, requirements, rules, sandbox
from harness.fences import PageChecks
from harness.snippet import Snippet, SnippetError, asserts_something, parse


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent):
    # pytest-markdown-docs imports every .py file it sees to scan docstrings, which would run
    # snippets and notebooks at collection time. Our pages keep no code in docstrings: drop those.
    collected = yield
    kept = [c for c in collected if type(c).__name__ != "MarkdownDocstringCodeModule"]
    root = parent.config.rootpath
    if _under(file_path, root / "snippets") or _under(file_path, root / "docs"):
        # A .py file named on the command line is collected as a test module whatever its name:
        # importing it would run a snippet in this process, outside the sandbox.
        kept = [c for c in kept if not isinstance(c, pytest.Module)]
    if file_path.suffix == ".py" and _under(file_path, root / "snippets"):
        kept.append(SnippetFile.from_parent(parent, path=file_path))
    elif file_path.suffix == ".py" and _under(file_path, root / "docs"):
        kept.append(NotebookFile.from_parent(parent, path=file_path))
    elif file_path.suffix == ".md" and _under(file_path, root / "docs"):
        kept.append(PageChecks.from_parent(parent, path=file_path))
    return kept


def pytest_collection_finish(session):
    if any(isinstance(item, _RunItem) for item in session.items):
        sandbox.warm_up()


def _under(path: Path, folder: Path) -> bool:
    return folder in path.parents and "__pycache__" not in path.parts


class SnippetFile(pytest.File):
    def collect(self):
        from harness.mutants import CounterCasesItem  # imports harness.results, which imports this module

        yield SnippetItem.from_parent(self, name="run")
        yield CounterCasesItem.from_parent(self, name="counter-cases")  # every claim shown able to fail


class NotebookFile(pytest.File):
    def collect(self):
        yield NotebookItem.from_parent(self, name="execute")


class SnippetFailure(Exception):
    """A failure whose message is already complete: shown without a Python traceback."""


class _RunItem(pytest.Item):
    snippet: Snippet | None = None

    def _execute(
        self,
        timeout: float,
        cwd: Path | None,
        threads: int = 1,
        memory: int | None = sandbox.DEFAULT_MEMORY,
        every_assert: bool = True,
        network: str = "",
    ) -> sandbox.Outcome:
        source = self.path.read_text(encoding="utf-8")
        broken = rules.check(self.path, source)
        if broken:
            line, message = broken[0]
            rel = self.path.relative_to(self.config.rootpath)
            more = [f"{rel}:{n}: {m}" for n, m in broken[1:]]
            raise SnippetError(self.path, line, "\n".join([message, *more]))
        rel = self.path.relative_to(self.config.rootpath).as_posix()
        outcome = sandbox.run(
            self.path,
            timeout,
            cwd,
            threads=threads,
            memory=memory,
            every_assert=every_assert,
            network=network,
            reuse_key=f"{rel} in {cwd or 'a fresh folder'}",
        )
        if outcome.status == "passed" and self.snippet is not None and self.snippet.markers:
            missing = asserts.claims_without_run(self.snippet.markers, outcome.asserts)
            if missing:
                line, cid = missing[0]
                outcome.status, outcome.line = "failed", line
                outcome.message = f"claim {cid}: none of the asserts in its region ran"
        self.config.stash.setdefault(OUTCOMES, {})[self.nodeid] = (self, outcome)
        if outcome.status != "passed":
            raise SnippetFailure(self._explain(outcome))
        return outcome

    def _explain(self, outcome: sandbox.Outcome) -> str:
        rel = self.path.relative_to(self.config.rootpath)
        where = f"{rel}:{outcome.line}" if outcome.line else f"{rel}"
        lines = [f"{where}: {outcome.status}: {outcome.message.splitlines()[0] if outcome.message else ''}"]
        if self.snippet is not None:
            by_id = {c.id: c for c in self.snippet.claims}
            for cid in self.snippet.claims_at(outcome.line):
                lines.append(f"  claim {cid}: {by_id[cid].statement}")
        if outcome.line:
            code = self.path.read_text(encoding="utf-8").splitlines()
            if 0 < outcome.line <= len(code):
                lines.append(f"  {outcome.line:>4} | {code[outcome.line - 1].strip()}")
        detail = outcome.message.splitlines()[1:]
        lines += [f"  {text}" for text in detail]
        if outcome.output:
            lines += ["  --- what the snippet printed (last lines) ---"] + [
                f"  {t}" for t in outcome.output.splitlines()
            ]
        return "\n".join(lines)

    def repr_failure(self, excinfo):
        exc = excinfo.value
        if isinstance(exc, SnippetError):
            return f"{Path(exc.path).relative_to(self.config.rootpath)}:{exc.line}: {exc.message}"
        if isinstance(exc, SnippetFailure):
            return str(exc)
        return super().repr_failure(excinfo)


class SnippetItem(_RunItem):
    def runtest(self):
        self.snippet = snippet = parse(self.path)  # a format error fails here, naming file and line
        # CUDA reserves far more address space than it uses: a CUDA snippet runs without the limit.
        memory = None if "cuda" in snippet.requires else snippet.memory

        def run_here(path):  # where CUDA is missing it is hidden already: the snippet as it is
            return sandbox.run(
                path,
                snippet.timeout,
                None,
                threads=snippet.threads,
                memory=memory,
                network=snippet.network,
                reuse_key=f"{path} with CUDA hidden",
                reuse_statuses=("passed", "failed"),
            )

        def uses_cuda():  # `Requires: cuda` must fail with CUDA hidden
            requirements.check_uses_cuda(self, snippet.source, snippet.timeout, run_here)

        requirements.check(self, snippet.requires, snippet.torch, uses_cuda)
        # A fresh empty folder as its working directory.
        self._execute(snippet.timeout, None, snippet.threads, memory, network=snippet.network)

    def reportinfo(self):
        return self.path, 0, f"snippet {self.path.relative_to(self.config.rootpath)}"


class NotebookItem(_RunItem):
    """A jupytext percent-format page: plain Python, so it runs like a snippet, in docs/."""

    timeout = 120.0

    def runtest(self):
        if not asserts_something(self.path.read_text(encoding="utf-8")):
            raise SnippetError(self.path, 1, "notebook asserts nothing: check the figures it shows")
        # Run from its folder, as mkdocs-jupyter does. Its asserts check recorded figures: those for
        # data not recorded yet (a GPU run) do not run, and that is not a failure.
        self._execute(self.timeout, self.path.parent, every_assert=False)

    def reportinfo(self):
        return self.path, 0, f"notebook {self.path.relative_to(self.config.rootpath)}"


OUTCOMES = pytest.StashKey[dict]()
