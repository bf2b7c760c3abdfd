"""Reading a snippet file: its claims, requirements, claim markers and section markers.

A snippet is a plain Python script whose docstring declares the claims it proves
(see CONTRIBUTING.md). Everything here is static: nothing is executed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

CLAIM_ID = r"[a-z][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+"
_CLAIM_LINE = re.compile(rf"^\s{{4}}({CLAIM_ID}):\s+(\S.*)$")
_CONTINUATION = re.compile(r"^\s{8,}\S")
_MARKER = re.compile(rf"#\s*claim:\s*({CLAIM_ID})\s*$")
_SECTION = re.compile(r"#\s*-{1,}8<-{1,}\s*\[(start|end):([^\]]*)\]")
_KEY = re.compile(r"^(Requires|Timeout|Torch|Threads|Memory|Network):\s*(.*?)\s*(?:\(.*\))?$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)\s*([MG])i?B?$", re.IGNORECASE)

DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY = 4 * 1024**3  # bytes of address space; `Memory: 8G` raises it
KNOWN_REQUIREMENTS = {"cuda"}
# `Network: loopback`: sockets to 127.0.0.0/8 and ::1 only (two local processes); none otherwise.
KNOWN_NETWORKS = {"loopback"}


class SnippetError(Exception):
    """A snippet file that breaks the format; ``line`` is 1-based."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    path: Path
    line: int  # where the claim is declared in the docstring


@dataclass
class Snippet:
    path: Path
    source: str
    claims: list[Claim]
    requires: set[str] = field(default_factory=set)
    timeout: float = DEFAULT_TIMEOUT
    torch: str = ""  # a version specifier such as ">=2.1"; empty: every version
    markers: list[tuple[int, str]] = field(default_factory=list)  # (line, claim id)
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)
    threads: int = 1  # torch intra-op threads in the child (`Threads:`); 1 keeps a busy machine green
    memory: int = DEFAULT_MEMORY  # address-space limit in bytes (`Memory: 8G`)
    network: str = ""  # "" (no socket at all) or "loopback" (`Network: loopback`)

    def claims_at(self, line: int | None) -> list[str]:
        """The claim(s) an error at ``line`` is reported against."""
        ids = [c.id for c in self.claims]
        if len(ids) == 1 or line is None:
            return ids
        current = [m for m_line, m in self.markers if m_line <= line]
        return current[-1:] or ids

    def claims_before(self, line: int) -> list[str]:
        """Claims whose asserts all ran before ``line`` (their marker and the next one precede it)."""
        done, starts = [], self.markers + [(10**9, "")]
        for (start, cid), (nxt, _) in zip(starts, starts[1:], strict=False):
            if nxt <= line and start < line:
                done.append(cid)
        return done


def parse(path: Path) -> Snippet:
    """Parse and validate a snippet file; raise SnippetError naming the file and line."""
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise SnippetError(path, exc.lineno or 1, f"syntax error: {exc.msg}") from None

    doc = _docstring(tree)
    if doc is None:
        raise SnippetError(path, 1, "no docstring: a snippet starts with a docstring listing its claims")
    doc_text, doc_line = doc
    claims, requires, timeout, torch, threads, memory, network = _parse_header(path, doc_text, doc_line)

    markers = _markers(path, source, {c.id for c in claims})
    sections = check_sections(path, source)
    if not _asserts(tree):
        raise SnippetError(
            path, 1, "asserts nothing: add an `assert` that proves its claim(s) (code that only runs proves nothing)"
        )
    return Snippet(path, source, claims, requires, timeout, torch, markers, sections, threads, memory, network)


def _docstring(tree: ast.Module) -> tuple[str, int] | None:
    if tree.body and isinstance(tree.body[0], ast.Expr):
        node = tree.body[0].value
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value, node.lineno
    return None


def _parse_header(path: Path, doc: str, first_line: int) -> tuple[list[Claim], set[str], float, str, int, int, str]:
    claims: list[Claim] = []
    requires: set[str] = set()
    timeout = DEFAULT_TIMEOUT
    threads = 1
    memory = DEFAULT_MEMORY
    network = ""
    torch = ""
    in_claims = False
    for offset, raw in enumerate(doc.splitlines()):
        line = first_line + offset
        if raw.strip() == "Claims:":
            in_claims = True
            continue
        if in_claims:
            match = _CLAIM_LINE.match(raw)
            if match:
                claims.append(Claim(match[1], match[2].strip(), path, line))
                continue
            if _CONTINUATION.match(raw) and claims:
                last = claims[-1]
                claims[-1] = Claim(last.id, f"{last.statement} {raw.strip()}", path, last.line)
                continue
            if raw.strip() and raw.startswith("    "):
                raise SnippetError(
                    path, line, f"malformed claim line {raw.strip()!r}: write `    <page>.<name>: <statement>`"
                )
            in_claims = False
        key = _KEY.match(raw.strip())
        if key and key[1] == "Requires":
            requires = {r.strip() for r in key[2].split(",") if r.strip()}
            unknown = requires - KNOWN_REQUIREMENTS
            if unknown:
                raise SnippetError(
                    path, line, f"unknown requirement(s) {sorted(unknown)}; known: {sorted(KNOWN_REQUIREMENTS)}"
                )
        elif key and key[1] == "Timeout":
            try:
                timeout = float(key[2])
            except ValueError:
                raise SnippetError(path, line, f"Timeout must be a number of seconds, not {key[2]!r}") from None
        elif key and key[1] == "Threads":
            if not key[2].isdigit() or int(key[2]) < 1:
                raise SnippetError(path, line, f"Threads must be a whole number of at least 1, not {key[2]!r}")
            threads = int(key[2])
        elif key and key[1] == "Memory":
            size = _MEMORY.match(key[2])
            if not size:
                raise SnippetError(path, line, f"Memory must be a size such as '8G' or '512M', not {key[2]!r}")
            memory = int(float(size[1]) * 1024 ** (3 if size[2].upper() == "G" else 2))
        elif key and key[1] == "Network":
            if key[2] not in KNOWN_NETWORKS:
                raise SnippetError(
                    path,
                    line,
                    f"Network must be one of {sorted(KNOWN_NETWORKS)}, not {key[2]!r} (no other network is allowed)",
                )
            network = key[2]
        elif key and key[1] == "Torch":
            from packaging.specifiers import InvalidSpecifier, SpecifierSet

            try:
                SpecifierSet(key[2])
            except InvalidSpecifier:
                raise SnippetError(
                    path, line, f"Torch must be a version specifier such as '>=2.1', not {key[2]!r}"
                ) from None
            torch = key[2]
    if not claims:
        raise SnippetError(path, first_line, "declares no claim: list them under `Claims:` in the docstring")
    seen: dict[str, int] = {}
    for claim in claims:
        if claim.id in seen:
            raise SnippetError(path, claim.line, f"claim {claim.id} is declared twice in this file")
        seen[claim.id] = claim.line
    return claims, requires, timeout, torch, threads, memory, network


def _markers(path: Path, source: str, declared: set[str]) -> list[tuple[int, str]]:
    markers = []
    for number, text in enumerate(source.splitlines(), 1):
        match = _MARKER.search(text)
        if match:
            if match[1] not in declared:
                raise SnippetError(path, number, f"marker names claim {match[1]}, which the docstring does not declare")
            markers.append((number, match[1]))
    if len(declared) > 1:
        missing = declared - {cid for _, cid in markers}
        if missing:
            raise SnippetError(
                path,
                1,
                f"several claims but no `# claim: ID` marker for {sorted(missing)}: mark where each claim's asserts start",
            )
    return markers


def check_sections(path: Path, source: str) -> dict[str, tuple[int, int]]:
    """Check that section markers pair up; return {name: (start line, end line)}.

    pymdownx.snippets does not notice a misspelt end marker (the section silently runs to the
    end of the file), so every start must meet an end of the same name, and vice versa.
    """
    open_at: dict[str, int] = {}
    sections: dict[str, tuple[int, int]] = {}
    for number, text in enumerate(source.splitlines(), 1):
        match = _SECTION.search(text)
        if not match:
            continue
        kind, name = match[1], match[2].strip()
        if kind == "start":
            if name in open_at or name in sections:
                raise SnippetError(path, number, f"section {name!r} starts twice")
            open_at[name] = number
        elif name not in open_at:
            hint = f" (open sections: {', '.join(sorted(open_at))})" if open_at else ""
            raise SnippetError(path, number, f"end marker for section {name!r} has no matching start{hint}")
        else:
            sections[name] = (open_at.pop(name), number)
    for name, number in open_at.items():
        raise SnippetError(path, number, f"section {name!r} starts here but never ends: add `# --8<-- [end:{name}]`")
    return sections


def _asserts(tree: ast.AST) -> bool:
    """True if the code asserts: an assert statement, or pytest.raises / raises(...)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"raises", "assertRaises"}:
                return True
    return False


def asserts_something(source: str) -> bool:
    try:
        return _asserts(ast.parse(source))
    except SyntaxError:
        return True  # let the runner report the syntax error with its line


def discover(root: Path) -> list[Path]:
    return sorted(p for p in (root / "snippets").rglob("*.py") if "__pycache__" not in p.parts)
