"""The reviewer's view of a change: which claims it adds, removes or changes, and how each fared.

`nox -s claims-diff -- [BASE]` compares the working tree with BASE (a git ref; default: the merge
base with main) and prints a Markdown report: per changed claim, its statement before and after
(a word diff), the page sentence that carries its `[claim: ID]` token, the diff of the snippet
lines of its region, its results per platform and torch version on both sides, and the warnings a
reviewer must see. Claims that did not change are counted, not listed.

Everything in the report that comes from the change itself (statements, sentences, code) is
escaped, so a pull request cannot inject Markdown or HTML into the job summary.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import html
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness import claims as registry
from harness import provenance
from harness.counter import for_claim as declared_counter_cases
from harness.snippet import Snippet

SKIP_RESULTS = re.compile(r"^(bench-|.*\.partial\.json$)")


class DiffError(Exception):
    """Input the report cannot be made from: exit 2 with this message."""


@dataclass
class ClaimView:
    """One claim as one side of the comparison sees it."""

    id: str
    statement: str
    snippet: str  # path relative to the root
    page: str
    sentences: list[str]
    region: list[str]  # the snippet lines of the claim's region
    asserts: list[str]  # the assert statements in that region, as written
    counter_cases: list[str]
    snippet_sha256: str
    results: dict[str, dict] = field(default_factory=dict)  # "cpu, torch 2.13.0" -> claim entry


@dataclass
class Side:
    label: str
    claims: dict[str, ClaimView]
    myths: dict[str, list[str]]  # claim id -> myths that cite it
    results_note: str  # empty, or why there are no results


# ---------------------------------------------------------------- reading one side


def read_side(root: Path, label: str, results_dirs: list[Path]) -> Side:
    loaded = registry.load(root)
    if loaded.errors:
        raise DiffError(f"{label}: snippet files that cannot be parsed:\n  " + "\n  ".join(loaded.errors))
    twice = {cid: places for cid, places in registry.declared(loaded.snippets).items() if len(places) > 1}
    if twice:
        lines = [
            f"claim {cid} is declared more than once: " + ", ".join(f"{c.path.relative_to(root)}:{c.line}" for c in ps)
            for cid, ps in sorted(twice.items())
        ]
        raise DiffError(f"{label}: " + "; ".join(lines))
    refs: dict[str, list[registry.Reference]] = {}
    for ref in loaded.references:
        refs.setdefault(ref.claim, []).append(ref)
    claims = {}
    for snippet in loaded.snippets:
        for claim in snippet.claims:
            region = _region(snippet, claim.id)
            claims[claim.id] = ClaimView(
                id=claim.id,
                statement=claim.statement,
                snippet=snippet.path.relative_to(root).as_posix(),
                page=", ".join(sorted({r.page.as_posix() for r in refs.get(claim.id, [])})),
                sentences=[_sentence(root / r.page, r.line, claim.id) for r in refs.get(claim.id, [])],
                region=region,
                asserts=_asserts(snippet.source, snippet, claim.id),
                counter_cases=_counter_cases(snippet.source, claim.id),
                snippet_sha256=provenance.text_sha256(snippet.source),  # as results files record it
            )
    note = _attach_results(claims, results_dirs)
    return Side(label, claims, _myths(root), note)


def _lines_of(snippet: Snippet, claim_id: str) -> tuple[int, int]:
    """First and last line (1-based, inclusive) of a claim's region: its marker to the next one."""
    total = len(snippet.source.splitlines())
    body = ast.parse(snippet.source).body
    after_docstring = body[0].end_lineno + 1 if body and isinstance(body[0], ast.Expr) else 1
    if len(snippet.claims) == 1 or not snippet.markers:
        return after_docstring, total
    starts = [line for line, cid in snippet.markers if cid == claim_id]
    if not starts:
        return after_docstring, total
    start = starts[0]
    later = [line for line, _ in snippet.markers if line > start]
    return start, (later[0] - 1 if later else total)


def _region(snippet: Snippet, claim_id: str) -> list[str]:
    first, last = _lines_of(snippet, claim_id)
    return snippet.source.splitlines()[first - 1 : last]


def _asserts(source: str, snippet: Snippet, claim_id: str) -> list[str]:
    first, last = _lines_of(snippet, claim_id)
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and first <= node.lineno <= last:
            found.append((node.lineno, " ".join((ast.get_source_segment(source, node) or "").split())))
    return [text for _, text in sorted(found)]


def _counter_cases(source: str, claim_id: str) -> list[str]:
    return declared_counter_cases(source, claim_id)


def _sentence(page: Path, line: int, claim_id: str) -> str:
    """The sentence a `[claim: ID]` token stands after (tokens close the sentence they prove)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    start = line - 1
    while start > 0 and lines[start - 1].strip():
        start -= 1
    end = line - 1
    while end + 1 < len(lines) and lines[end + 1].strip():
        end += 1
    paragraph = " ".join(text.strip() for text in lines[start : end + 1])
    token = re.search(rf"\[claim:\s*{re.escape(claim_id)}\]", paragraph)
    if token is None:
        return paragraph
    before = paragraph[: token.start()].rstrip()
    ends = [m.end() for m in re.finditer(r"[.!?:]\s+|\]\s+", before[:-1])]
    return (before[ends[-1] :] if ends else before).strip()


def _myths(root: Path) -> dict[str, list[str]]:
    path = root / "docs" / "myths.yml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("myths", data) if isinstance(data, dict) else data
    cited: dict[str, list[str]] = {}
    for entry in entries or []:
        if isinstance(entry, dict):
            for cid in entry.get("claims", []) or []:
                cited.setdefault(cid, []).append(str(entry.get("myth", ""))[:80])
    return cited


def _attach_results(claims: dict[str, ClaimView], results_dirs: list[Path]) -> str:
    files = [p for d in results_dirs if d.is_dir() for p in sorted(d.glob("*.json")) if not SKIP_RESULTS.match(p.name)]
    if not files:
        return "no results file: every claim is shown as not run"
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DiffError(f"{path}: not a readable results file ({exc})") from None
        key = f"{data.get('platform', path.stem)}, torch {data.get('torch', '?')}"
        for cid, entry in (data.get("claims") or {}).items():
            if cid in claims:
                claims[cid].results[key] = entry
    return ""


# ---------------------------------------------------------------- git


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if done.returncode:
        raise DiffError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def resolve_base(root: Path, base: str | None) -> str:
    _git(root, "rev-parse", "--git-dir")
    shallow = _git(root, "rev-parse", "--is-shallow-repository") == "true"
    if base is None:
        for candidate in ("main", "origin/main"):
            try:
                return _git(root, "merge-base", "HEAD", candidate)
            except DiffError:
                continue
        hint = " (a shallow clone: fetch the history, e.g. `git fetch --unshallow`)" if shallow else ""
        raise DiffError(f"no merge base with main or origin/main: name BASE explicitly{hint}")
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    except DiffError:
        hint = (
            " This clone is shallow: fetch the history (`git fetch --unshallow`, or `fetch-depth: 0` in CI)."
            if shallow
            else ""
        )
        raise DiffError(f"BASE {base!r} is not a commit in this repository.{hint}") from None


def export(root: Path, commit: str, into: Path) -> None:
    """The docs/ and snippets/ trees of ``commit``, written under ``into``."""
    present = _git(root, "ls-tree", "--name-only", commit, "docs", "snippets").split()
    (into / "docs").mkdir(parents=True, exist_ok=True)
    if not present:
        return  # a commit before the site existed: every claim is new
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "--", *present], cwd=root, capture_output=True, check=False
    )
    if archive.returncode:
        raise DiffError(f"git archive {commit}: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


# ---------------------------------------------------------------- comparing


@dataclass
class Change:
    id: str
    kind: str  # added | removed | changed
    before: ClaimView | None
    after: ClaimView | None
    what: list[str]  # statement, snippet, sentence, result
    warnings: list[str]


def _status(entry: dict | None, current_sha: str | None) -> str:
    if entry is None:
        return "not run"
    state = entry.get("status", "?")
    recorded = entry.get("snippet_sha256")
    if recorded and current_sha and recorded != current_sha:
        return f"stale (recorded {state} for other code)"
    if state == "skipped" and entry.get("reason"):
        return f"skipped: {entry['reason']}"
    return state


def _results(view: ClaimView | None) -> dict[str, str]:
    if view is None:
        return {}
    return {key: _status(entry, view.snippet_sha256) for key, entry in view.results.items()}


def compare(before: Side, after: Side) -> tuple[list[Change], int]:
    changes, unchanged = [], 0
    for cid in sorted(set(before.claims) | set(after.claims)):
        old, new = before.claims.get(cid), after.claims.get(cid)
        warnings: list[str] = []
        if new is None:
            cited = after.myths.get(cid, [])
            if cited:
                warnings.append(f"removed while a myth still cites it: {cited[0]!r}")
            changes.append(Change(cid, "removed", old, None, ["removed"], warnings))
            continue
        if old is None:
            changes.append(Change(cid, "added", None, new, ["added"], warnings))
            continue
        what = []
        statement = old.statement != new.statement
        region = old.region != new.region
        sentence = old.sentences != new.sentences
        asserts = old.asserts != new.asserts
        if statement:
            what.append("statement")
        if region:
            what.append("snippet")
        if sentence:
            what.append("page sentence")
        if _results(old) != _results(new):
            what.append("result")
        if not what:
            unchanged += 1
            continue
        if statement and not asserts:
            warnings.append("the statement changed but the asserts did not")
        if asserts and not statement:
            warnings.append("the asserts changed but the statement did not")
        if sentence and not statement and not region:
            warnings.append("the page sentence changed but neither the statement nor the snippet did")
        if statement and old.snippet != new.snippet and _similarity(old.statement, new.statement) < 0.5:
            warnings.append(
                f"ID reused with a different meaning: it moved from {old.snippet} to {new.snippet} "
                "and its statement was rewritten"
            )
        changes.append(Change(cid, "changed", old, new, what, warnings))
    return changes, unchanged


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split()).ratio()


# ---------------------------------------------------------------- Markdown


def esc(text: str) -> str:
    """Prose from the change, safe inside Markdown and HTML: no markup survives."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]#!|~])", r"\\\1", text)


def code_block(lines: list[str], language: str = "") -> str:
    body = "\n".join(lines)
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
    return f"{fence}{language}\n{body}\n{fence}"


def word_diff(old: str, new: str) -> str:
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op == "equal":
            out.append(esc(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"~~{esc(' '.join(a[i1:i2]))}~~")
        if j2 > j1:
            out.append(f"**{esc(' '.join(b[j1:j2]))}**")
    return " ".join(out)


def render(changes: list[Change], unchanged: int, before: Side, after: Side) -> str:
    counts = {k: sum(c.kind == k for c in changes) for k in ("added", "removed", "changed")}
    out = [
        f"# Claims diff: {esc(before.label)} → {esc(after.label)}",
        "",
        f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed; "
        f"{unchanged} unchanged (not listed).",
    ]
    for side in (before, after):
        if side.results_note:
            out += ["", f"> **{esc(side.label)}**: {esc(side.results_note)}"]
    warned = [c for c in changes if c.warnings]
    if warned:
        out += ["", "**Warnings**", ""]
        out += [f"- `{c.id}`: {esc(w)}" for c in warned for w in c.warnings]
    for change in changes:
        view = change.after or change.before
        assert view is not None
        out += ["", f"## {change.kind}: `{change.id}`", "", f"Page: {esc(view.page or 'no page')}; "
                f"snippet: `{view.snippet}`; what changed: {', '.join(change.what)}."]  # fmt: skip
        for warning in change.warnings:
            out.append(f"\n> ⚠ {esc(warning)}")
        old_text = change.before.statement if change.before else ""
        new_text = change.after.statement if change.after else ""
        out += [
            "",
            "**Statement**: " + (word_diff(old_text, new_text) if old_text and new_text else esc(view.statement)),
        ]
        for label, side in (("before", change.before), ("after", change.after)):
            if side is not None and side.sentences and (change.kind != "changed" or "page sentence" in change.what):
                out += ["", f"**Page sentence ({label})**: " + " / ".join(esc(s) for s in side.sentences)]
        if change.kind == "changed" and "snippet" in change.what:
            diff = list(
                difflib.unified_diff(change.before.region, change.after.region, "before", "after", lineterm="", n=2)
            )
            out += ["", "**Snippet region**", "", code_block(diff, "diff")]
        elif change.kind == "added":
            out += ["", "**Snippet region**", "", code_block(change.after.region, "python")]
        out += ["", "| results | before | after |", "| --- | --- | --- |"]
        old_r, new_r = _results(change.before), _results(change.after)
        for key in sorted(set(old_r) | set(new_r)) or ["(none recorded)"]:
            out.append(f"| {esc(key)} | {esc(old_r.get(key, 'not run'))} | {esc(new_r.get(key, 'not run'))} |")
        counter = change.after.counter_cases if change.after else []
        if counter:
            out += ["", "**Declared counter-cases**: " + "; ".join(esc(c) for c in counter)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- entry point


def run(root: Path, base: str | None, results: Path | None) -> str:
    commit = resolve_base(root, base)
    with tempfile.TemporaryDirectory() as tmp:
        base_root = Path(tmp)
        export(root, commit, base_root)
        before = read_side(base_root, f"{base or 'merge base'} ({commit[:10]})", [base_root / "docs" / "results"])
    after_dirs = [results] if results else [root / "build" / "results", root / "docs" / "results"]
    after_dirs = [d for d in after_dirs if d.is_dir()][:1] if results is None else after_dirs
    after = read_side(root, "working tree", after_dirs)
    changes, unchanged = compare(before, after)
    return render(changes, unchanged, before, after)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nox -s claims-diff --", description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", help="git ref to compare with (default: the merge base with main)")
    parser.add_argument(
        "--results", type=Path, help="results folder of this run (default: build/results, else docs/results)"
    )
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        report = run(args.root.resolve(), args.base, args.results)
    except DiffError as exc:
        print(f"claims-diff: {exc}", file=sys.stderr)
        return 2
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
