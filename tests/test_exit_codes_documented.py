"""The README's exit-code table names every code a command can return: read from the code itself.

Codes come from four places in cse_pdf: `exit_code = N` on error classes, `sys.exit(N)`, module constants
used as exit codes (`EXIT_*`, `BROKEN_PIPE`), and the `return N` of the batch reports' `exit_code`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _codes_in(tree: ast.AST) -> set[int]:
    codes: set[int] = set()
    constants: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int):
            for target in node.targets:
                name = target.id if isinstance(target, ast.Name) else None
                if name == "exit_code" or (name and (name.startswith("EXIT_") or name == "BROKEN_PIPE")):
                    codes.add(node.value.value)
                if name:
                    constants[name] = node.value.value
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "exit"
                and node.args and isinstance(node.args[0], ast.Constant)):
            codes.add(node.args[0].value)
        if isinstance(node, ast.FunctionDef) and node.name == "exit_code":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Constant) and isinstance(ret.value, int) and not isinstance(ret.value, bool):
                    codes.add(ret.value)
    return codes


def code_exit_codes() -> set[int]:
    codes: set[int] = {2}  # click's own usage error
    for path in (ROOT / "cse_pdf").rglob("*.py"):
        codes |= _codes_in(ast.parse(path.read_text(encoding="utf-8")))
    return codes


def readme_exit_codes() -> set[int]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| code | meaning |"):]
    table = table[:table.index("\n\n")]
    return {int(m) for m in re.findall(r"^\s*\| (\d+) \|", table, re.M)}


def test_the_finder_sees_each_kind_of_exit_code() -> None:
    source = ("class E:\n    exit_code = 9\nEXIT_X = 11\nimport sys\nsys.exit(12)\n"
              "def exit_code(self):\n    return 13 if self else 0\n")
    assert _codes_in(ast.parse(source)) == {9, 11, 12, 13, 0}


def test_every_exit_code_in_the_code_is_in_the_readme_table() -> None:
    missing = code_exit_codes() - readme_exit_codes()
    assert not missing, f"exit codes returned by cse-pdf but not in README's table: {sorted(missing)}"


def test_the_readme_table_names_no_code_that_nothing_returns() -> None:
    extra = readme_exit_codes() - code_exit_codes()
    assert not extra, f"README's table lists codes nothing returns: {sorted(extra)}"
