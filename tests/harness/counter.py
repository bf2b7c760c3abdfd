"""Declared counter-cases: an edit of the explained code that must make a named claim fail.

A snippet's docstring may hold a `Counter-cases:` block, one edit per line:

    Counter-cases:
        no-grad.results-inside-block: `with torch.no_grad():` -> `with torch.enable_grad():`

The old line, whitespace-stripped, must equal exactly one line of the file (stripped); the edit
replaces that line, keeping its indentation. `harness.mutants` applies each edit and expects an
assert of the named claim to fail. The reviewer's report (`harness.claims_diff`) shows the same
edits, read by the same parser. Static only: nothing is executed here (the claims-diff session has
no torch).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from harness.snippet import SnippetError

HEADER = "Counter-cases:"
_HEADER = re.compile(r"^Counter-cases:\s*(?:\(.*\))?$")  # an annotation in brackets may follow, as in the docs
_LINE = re.compile(r"^\s{4}(\S+):\s+`(.+)`\s+->\s+`(.*)`\s*$")


@dataclass(frozen=True)
class Declared:
    claim: str
    old: str  # as written, stripped
    new: str
    line: int  # the docstring line that declares it (1-based, in the file)
    target: int = 0  # the file line the edit replaces (1-based); 0 when not resolved

    def words(self) -> str:
        return f"`{self.old}` replaced by `{self.new}`"


def parse(path: Path, source: str, claim_ids: set[str] | None = None, strict: bool = True) -> list[Declared]:
    """The declared counter-cases of a snippet.

    ``strict`` (the mutation engine): a malformed line, an unknown claim, an old line that is not
    exactly one line of the file or an edit that changes nothing raises
    SnippetError naming the file and the docstring line. Not strict (the reviewer's report):
    well-formed lines only, unresolved.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    body = tree.body
    if not (body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)):
        return []
    doc = body[0].value.value
    if not isinstance(doc, str):
        return []
    first = body[0].lineno
    stripped = [text.strip() for text in source.splitlines()]
    found: list[Declared] = []
    inside = False
    for offset, raw in enumerate(doc.splitlines()):
        line = first + offset
        if _HEADER.match(raw.strip()):
            inside = True
            continue
        if not inside:
            continue
        if not raw.strip():
            continue
        if not raw.startswith("    "):
            inside = False
            continue
        match = _LINE.match(raw)
        if match is None:
            if strict:
                raise SnippetError(
                    path,
                    line,
                    f"malformed counter-case {raw.strip()!r}: write `    <claim-id>: `<old line>` -> `<new line>``",
                )
            continue
        claim, old, new = match[1], match[2].strip(), match[3].strip()
        if not strict:
            found.append(Declared(claim, old, new, line))
            continue
        if claim_ids is not None and claim not in claim_ids:
            raise SnippetError(path, line, f"counter-case names claim {claim}, which the docstring does not declare")
        if old == new:
            raise SnippetError(path, line, f"counter-case for {claim} changes nothing: the new line equals the old one")
        hits = [number for number, text in enumerate(stripped, 1) if text == old]
        if len(hits) != 1:
            where = f"lines {', '.join(map(str, hits))}" if hits else "no line"
            raise SnippetError(
                path,
                line,
                f"counter-case for {claim}: the old line `{old}` must match exactly one line of the code, "
                f"it matches {where} (make it unique with a trailing comment)",
            )
        found.append(Declared(claim, old, new, line, hits[0]))
    return found


def apply(source: str, declared: Declared) -> str:
    """The source with the declared edit applied (the new line takes the old line's indentation)."""
    lines = source.splitlines(keepends=True)
    old = lines[declared.target - 1]
    indent = old[: len(old) - len(old.lstrip())]
    ending = old[len(old.rstrip("\r\n")) :]
    lines[declared.target - 1] = f"{indent}{declared.new}{ending}"
    return "".join(lines)


def for_claim(source: str, claim_id: str) -> list[str]:
    """The reviewer's view: the declared edits of one claim, as "`old` -> `new`" (never raises)."""
    return [f"`{d.old}` -> `{d.new}`" for d in parse(Path("<snippet>"), source, strict=False) if d.claim == claim_id]
