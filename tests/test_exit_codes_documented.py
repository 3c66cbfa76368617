"""Every exit code is named once (cse_pdf/base/exit_codes.py), used by name, and listed in the README's table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cse_pdf.base.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[1]


def readme_exit_codes() -> set[int]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| code | meaning |"):]
    table = table[:table.index("\n\n")]
    return {int(m) for m in re.findall(r"^\s*\| (\d+) \|", table, re.M)}


def bare_exit_codes(tree: ast.AST) -> list[int]:
    """Integers given as an exit code where a name belongs: `exit_code = 3`, `sys.exit(2)`, `EXIT_X = 4`,
    `codes.append(70)`, and `return 6` in a report's `exit_code`."""
    found: list[int] = []

    def is_int(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and type(node.value) is int

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and is_int(node.value):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(n == "exit_code" or n.startswith("EXIT_") or n == "BROKEN_PIPE" for n in names):
                found.append(node.value.value)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("exit", "append") and node.args and is_int(node.args[0])
                and (node.func.attr == "exit" or getattr(node.func.value, "id", "") == "codes")):
            found.append(node.args[0].value)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "exit_code":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and is_int(ret.value):
                    found.append(ret.value.value)
                if isinstance(ret, ast.IfExp) and (is_int(ret.body) or is_int(ret.orelse)):
                    found.append(ret.body.value if is_int(ret.body) else ret.orelse.value)
    return found


def test_the_finder_sees_each_kind_of_bare_exit_code() -> None:
    source = ("class E:\n    exit_code = 9\nEXIT_X = 11\nimport sys\nsys.exit(12)\ncodes.append(70)\n"
              "def exit_code(self):\n    return 13 if self else ExitCode.OK\n")
    assert sorted(bare_exit_codes(ast.parse(source))) == [9, 11, 12, 13, 70]


def test_no_exit_code_is_a_bare_number() -> None:
    bare = {str(path.relative_to(ROOT)): codes for path in (ROOT / "cse_pdf").rglob("*.py")
            if path.name != "exit_codes.py"  # where the numbers are named
            and (codes := bare_exit_codes(ast.parse(path.read_text(encoding="utf-8"))))}
    assert not bare, f"use cse_pdf.base.exit_codes.ExitCode instead of these numbers: {bare}"


def test_the_readme_table_lists_exactly_the_named_exit_codes() -> None:
    assert readme_exit_codes() == {int(code) for code in ExitCode}


def special_code_numbers(tree: ast.AST) -> list[int]:
    """The codes that mean only an exit (70, 130, 141) written as numbers anywhere in code, however passed:
    `Failed(path, sha, reason, 70)` names no exit code the finder above can see."""
    special = {ExitCode.INTERNAL_ERROR, ExitCode.INTERRUPTED, ExitCode.BROKEN_PIPE}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and type(node.value) is int and node.value in special]


def test_the_codes_that_mean_only_an_exit_are_never_numbers_in_code() -> None:
    assert special_code_numbers(ast.parse("Failed(p, None, 'why', 70)\nx = 'exit 70'\n")) == [70]
    found = {str(path.relative_to(ROOT)): codes for path in (ROOT / "cse_pdf").rglob("*.py")
             if path.name != "exit_codes.py"
             and (codes := special_code_numbers(ast.parse(path.read_text(encoding="utf-8"))))}
    assert not found, f"use cse_pdf.base.exit_codes.ExitCode instead of these numbers: {found}"
