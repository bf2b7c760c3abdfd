"""Checking a results file on load: its shape (JSON Schema) and that it describes real code.

A hand-edited or fabricated results file fails with the file and the field: unknown keys, a claim
no snippet declares, a statement that is not the claim's, or a snippet hash that matches neither
the snippet as it is now nor the snippet as committed in the commit the file names. A file in the
format written before results were tied to code (schema 1) is reported as such, with the command
that re-records it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from harness import provenance
from harness.snippet import Snippet, SnippetError, _parse_header

VERSION = 2
STATES = ["passed", "failed", "skipped", "not-run"]
# Top-level keys other checks add (harness.results.EXTRA): name -> JSON Schema of the value.
EXTRA_KEYS: dict[str, dict] = {
    "copyable": {"type": "object"},
    "copy_buttons": {"type": "object"},
    "mutants": {"type": "object"},  # harness.mutants: scores, survivors, counter-cases in words
    "packages": {"type": "object"},  # harness.machine: versions of the libraries pages run (optional)
}

_SHA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_COMMIT = {"type": ["string", "null"], "pattern": "^[0-9a-f]{40}$"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_NAMES = {"type": "array", "items": {"type": "string"}}


def _object(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


CLAIM = _object(
    {
        "status": {"enum": STATES},
        "statement": {"type": "string"},
        "snippet": {"type": "string", "pattern": r"^snippets/.+\.py$"},
        "line": {"type": "integer", "minimum": 1},
        "requires": _NAMES,
        "torch_range": {"type": "string"},
        "reason": _TEXT_OR_NULL,
        "snippet_sha256": _SHA,
        "statement_sha256": _SHA,
        "commit": _COMMIT,
        "dirty": {"type": "boolean"},
        "torch": {"type": "string"},
        "platform": {"enum": ["cpu", "cuda"]},
    }
)
SNIPPET = _object(
    {
        "path": {"type": "string"},
        "kind": {"enum": ["snippet", "notebook"]},
        "sha256": _SHA,
        "status": {"enum": ["passed", "failed", "skipped"]},
        "duration_s": {"type": "number"},
        "requires": _NAMES,
        "torch_range": {"type": "string"},
        "reason": _TEXT_OR_NULL,
        "line": {"type": ["integer", "null"]},
        "message": _TEXT_OR_NULL,
        "claims": _NAMES,
    }
)
RESULTS = _object(
    {
        "schema": {"const": VERSION},
        "platform": {"enum": ["cpu", "cuda"]},
        "date": {"type": "string"},
        "torch": {"type": "string"},
        "python": {"type": "string"},
        "os": {"type": "string"},
        "cpu": {"type": "string"},
        "cpu_count": {"type": ["integer", "null"]},
        "gpu": {"type": ["object", "null"]},
        "command": {"type": "string"},
        "commit": _COMMIT,
        "dirty": {"type": "boolean"},
        "complete": {"type": "boolean"},
        "partial_reason": _TEXT_OR_NULL,
        "snippets": {"type": "array", "items": SNIPPET},
        "claims": {"type": "object", "additionalProperties": CLAIM},
        "summary": _object({s: {"type": "integer"} for s in ("passed", "failed", "skipped")}),
        "harness": {"type": "object"},
        **EXTRA_KEYS,
    },
    optional=tuple(EXTRA_KEYS),
)


class OldFormat(Exception):
    """A results file written before results were tied to code."""


@dataclass
class Checked:
    data: dict | None
    errors: list[str] = field(default_factory=list)


def rerecord_command(platform: str) -> str:
    if platform == "cuda":
        return "nox -s docs-test -- snippets docs --require-cuda --results-dir docs/results  (on a CUDA machine)"
    return "nox -s docs-test -- snippets docs --results-dir docs/results"


def _where(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) or "(top level)"


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return f"unknown key(s): {error.message.split('(')[-1].rstrip(')')}"
    return error.message


def check(path: Path, data: object, root: Path, snippets: list[Snippet], verify_hashes: bool = True) -> Checked:
    """Validate ``data`` read from ``path``; errors name the file and the field.

    With ``verify_hashes``, a snippet hash that matches neither the file now nor the file at the
    recorded commit is an error (a file someone could publish); without it, such an entry is only
    stale (a local run the developer made before editing the snippet).
    """
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    if isinstance(data, dict) and data.get("schema") == 1:
        raise OldFormat(
            f"{shown}: schema 1, written before results were tied to the code they verified (no snippet hashes, "
            f"commit or platform per claim); it is not used. Re-record it on a complete run: "
            f"{rerecord_command(str(data.get('platform', path.stem)))}"
        )
    validator = jsonschema.Draft202012Validator(RESULTS)
    errors = [
        f"{shown}: {_where(e)}: {_message(e)}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if errors:
        return Checked(None, errors)
    assert isinstance(data, dict)
    if path.name != f"{data['platform']}.json":
        errors.append(f"{shown}: platform: {data['platform']!r} recorded in a file named {path.name}")
    if not data["complete"]:
        errors.append(f"{shown}: complete: false: a partial run ({data['partial_reason']}) is not a results record")
    errors += _consistency(shown, data)
    declared = {c.id: (s, c) for s in snippets for c in s.claims}
    for cid, entry in data["claims"].items():
        where = f"{shown}: claims.{cid}"
        for key in ("platform", "torch", "commit"):
            if entry[key] != data[key]:
                errors.append(f"{where}.{key}: {entry[key]!r} differs from the file's {key} {data[key]!r}")
        errors += _check_code(root, where, cid, entry, declared, verify_hashes)
    return Checked(data if not errors else None, errors)


def _consistency(shown: str, data: dict) -> list[str]:
    """The parts of the file agree: claims with their snippet's entry, the summary with the entries."""
    errors = []
    by_path = {e["path"]: e for e in data["snippets"]}
    for cid, entry in data["claims"].items():
        where = f"{shown}: claims.{cid}"
        ran = by_path.get(entry["snippet"])
        if ran is None or cid not in ran["claims"]:
            errors.append(f"{where}: no entry of snippets[] for {entry['snippet']} lists this claim")
            continue
        if ran["sha256"] != entry["snippet_sha256"]:
            errors.append(f"{where}.snippet_sha256: differs from the sha256 of {entry['snippet']} in snippets[]")
        if ran["status"] in ("passed", "skipped") and entry["status"] != ran["status"]:
            errors.append(f"{where}.status: {entry['status']!r}, but its snippet {ran['status']}")
        if ran["status"] == "failed" and entry["status"] == "skipped":
            errors.append(f"{where}.status: 'skipped', but its snippet failed")
    for i, ran in enumerate(data["snippets"]):
        for cid in ran["claims"]:
            if cid not in data["claims"]:
                errors.append(f"{shown}: snippets[{i}].claims: {cid} has no entry in claims")
    counted = {s: sum(e["status"] == s for e in data["snippets"]) for s in data["summary"]}
    if counted != data["summary"]:
        errors.append(f"{shown}: summary: {data['summary']} does not count snippets[] ({counted})")
    return errors


def _check_code(root: Path, where: str, cid: str, entry: dict, declared: dict, verify: bool) -> list[str]:
    current = root / entry["snippet"]
    now = current.read_text(encoding="utf-8") if current.is_file() else None
    if now is not None and provenance.text_sha256(now) == entry["snippet_sha256"]:
        if cid not in declared or declared[cid][0].path.resolve() != current.resolve():
            return [f"{where}: {entry['snippet']} as it is now does not declare claim {cid}"]
        if provenance.statement_sha256(declared[cid][1].statement) != entry["statement_sha256"]:
            return [f"{where}.statement_sha256: matches no statement of claim {cid} in {entry['snippet']}"]
        return []
    then = provenance.text_at(root, entry["commit"], entry["snippet"])
    if then is not None and provenance.text_sha256(then) == entry["snippet_sha256"]:
        statements = _statements(current, then)
        if cid not in statements:
            return [f"{where}: {entry['snippet']} at commit {entry['commit'][:12]} does not declare claim {cid}"]
        if provenance.statement_sha256(statements[cid]) != entry["statement_sha256"]:
            return [f"{where}.statement_sha256: matches no statement of claim {cid} at commit {entry['commit'][:12]}"]
        return []  # a result for an earlier version of the snippet: the ledger shows it as stale
    if not verify:
        return []
    if cid not in declared and now is None and then is None:
        return [
            f"{where}: no snippet declares claim {cid} (and {entry['snippet']} exists neither now nor at the commit)"
        ]
    commit = (entry["commit"] or "none")[:12]
    return [
        f"{where}.snippet_sha256: matches no snippet: neither {entry['snippet']} as it is now nor as committed "
        f"in commit {commit}"
    ]


def _statements(path: Path, text: str) -> dict[str, str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}
    first = tree.body[0] if tree.body else None
    if not (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    ):
        return {}
    try:
        claims = _parse_header(path, first.value.value, first.lineno)[0]
    except SnippetError:
        return {}
    return {c.id: c.statement for c in claims}
