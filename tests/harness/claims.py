"""The claims registry: claims declared by snippets, referenced by pages, and their consistency.

Shared by the suite (tests/test_claims.py) and the site build (harness/site.py), so both fail
on the same problems with the same messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.snippet import CLAIM_ID, Claim, Snippet, SnippetError, discover, parse

TOKEN = re.compile(rf"\[claim:\s*({CLAIM_ID})\]")


@dataclass(frozen=True)
class Reference:
    page: Path  # relative to the repository root
    line: int
    claim: str


def snippets(root: Path) -> tuple[list[Snippet], list[str]]:
    parsed, errors = [], []
    for path in discover(root):
        try:
            parsed.append(parse(path))
        except SnippetError as exc:
            errors.append(f"{path.relative_to(root)}:{exc.line}: {exc.message}")
    return parsed, errors


def declared(parsed: list[Snippet]) -> dict[str, list[Claim]]:
    found: dict[str, list[Claim]] = {}
    for snippet in parsed:
        for claim in snippet.claims:
            found.setdefault(claim.id, []).append(claim)
    return found


def pages(root: Path) -> list[Path]:
    docs = root / "docs"
    return sorted(p for p in docs.rglob("*") if p.suffix in (".md", ".py") and "results" not in p.parts)


def references(root: Path) -> list[Reference]:
    refs = []
    for page in pages(root):
        for number, text in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            refs += [Reference(page.relative_to(root), number, m[1]) for m in TOKEN.finditer(text)]
    return refs


@dataclass
class Registry:
    snippets: list[Snippet]
    errors: list[str]  # snippet files that could not be parsed
    references: list[Reference]

    @property
    def claim_ids(self) -> set[str]:
        return {c.id for snippet in self.snippets for c in snippet.claims}


def load(root: Path) -> Registry:
    parsed, errors = snippets(root)
    return Registry(parsed, errors, references(root))


def problems(root: Path, registry: Registry | None = None) -> list[str]:
    """Everything that breaks the one-claim, one-proof, one-explanation rule."""
    registry = registry or load(root)
    parsed, found, refs = registry.snippets, list(registry.errors), registry.references
    claims = declared(parsed)
    for cid, places in sorted(claims.items()):
        if len(places) > 1:
            where = ", ".join(f"{c.path.relative_to(root)}:{c.line}" for c in places)
            found.append(f"claim {cid} is declared more than once: {where}")
    by_claim: dict[str, list[Reference]] = {}
    for ref in refs:
        by_claim.setdefault(ref.claim, []).append(ref)
        if ref.claim not in claims:
            found.append(f"{ref.page}:{ref.line}: [claim: {ref.claim}] names a claim that no snippet declares")
    for cid, places in sorted(claims.items()):
        if cid not in by_claim:
            c = places[0]
            found.append(
                f"{c.path.relative_to(root)}:{c.line}: claim {cid} is not referenced by any page (add [claim: {cid}] where a page explains it)"
            )
        elif len(by_claim[cid]) > 1:
            where = ", ".join(f"{r.page}:{r.line}" for r in by_claim[cid])
            found.append(
                f"claim {cid} is referenced more than once ({where}): one page explains it; link to it elsewhere"
            )
    return found
