"""Asserts are counted when they run, not when they are written.

In the snippet's process, `instrument` wraps every `assert` statement with two calls on a
recorder: one before the assert evaluates its test, one after it passed. The recorder lives in
the snippet's globals under a name that is not a Python identifier (``@harness_asserts``), so
snippet code cannot name it. After the run the parent compares the record with the asserts it
finds in the source itself (`positions`):

- an assert that never started fails the run: ``file:line: assert never ran`` (under
  ``if False:``, after an early ``return``, in a function nobody calls);
- an assert that started more often than it passed failed or raised, and something caught it
  (``except``, ``contextlib.suppress``, a ``finally`` that returns, a context manager that
  swallows): the run fails even though the snippet went on;
- with claim markers, each claim's region must hold an assert that ran (`claims_without_run`).
"""

from __future__ import annotations

import ast

NAME = "@harness_asserts"  # not an identifier: snippet code cannot write this name


class Recorder:
    """In the child: counts per assert position, ``{(line, col): [started, passed]}``."""

    __slots__ = ("counts",)

    def __init__(self):
        self.counts: dict[tuple[int, int], list[int]] = {}

    def start(self, key: tuple[int, int]) -> None:
        entry = self.counts.get(key)
        if entry is None:
            self.counts[key] = [1, 0]
        else:
            entry[0] += 1

    def passed(self, key: tuple[int, int]) -> None:
        self.counts[key][1] += 1


class _Instrument(ast.NodeTransformer):
    def visit_Assert(self, node: ast.Assert):
        key = ast.Constant((node.lineno, node.col_offset))

        def call(method: str) -> ast.Expr:
            func = ast.Attribute(ast.Name(NAME, ast.Load()), method, ast.Load())
            return ast.copy_location(ast.Expr(ast.Call(func, [key], [])), node)

        return [call("start"), node, call("passed")]


def instrument(tree: ast.Module) -> ast.Module:
    """Add the recorder calls around every assert (before pytest rewrites the asserts)."""
    tree = _Instrument().visit(tree)
    return ast.fix_missing_locations(tree)


def positions(tree: ast.AST) -> list[tuple[int, int]]:
    """(line, column) of every assert statement, in source order."""
    return sorted((n.lineno, n.col_offset) for n in ast.walk(tree) if isinstance(n, ast.Assert))


def problems(expected: list[tuple[int, int]], counts: dict, every: bool = True) -> list[tuple[int, str]]:
    """(line, message) for every assert that did not run, or did not pass every time it ran."""
    found = []
    unknown = set(counts) - set(expected)
    impossible = [key for key, (started, passed) in counts.items() if passed > started]
    if unknown or impossible:
        unknown |= set(impossible)
        line = min(unknown)[0]
        found.append((line, "the record of executed asserts does not match the code: the run was tampered with"))
    for key in expected:
        started, passed = counts.get(key, (0, 0))
        if started == 0 and every:
            found.append((key[0], "assert never ran: every assert must run in a normal run (dead code?)"))
        elif passed < started:
            failed = started - passed
            found.append(
                (
                    key[0],
                    f"assert did not pass {failed} of the {started} time(s) it ran, and the run went on: "
                    "its AssertionError (or an error in its test) was caught",
                )
            )
    return found


def claims_without_run(markers: list[tuple[int, str]], counts: dict) -> list[tuple[int, str]]:
    """(marker line, claim id) for each marked claim whose region holds no assert that ran."""
    ran = sorted(key[0] for key, (started, passed) in counts.items() if passed > 0)
    bounds = markers + [(10**9, "")]
    missing = []
    for (start, cid), (end, _) in zip(bounds, bounds[1:], strict=False):
        if not any(start <= line < end for line in ran):
            missing.append((start, cid))
    return missing
