"""The README's map of the code names every module, and names nothing that is not there."""

from __future__ import annotations

import re

from helpers.forms import REPO


def code_map() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("## Layout of the code", 1)[1].split("```", 2)[1]


def test_every_module_is_on_the_map_under_its_stage() -> None:
    text = code_map()
    named_alone = set(re.findall(r"^(cse_pdf/\S+\.py)", text, re.M))  # e.g. cse_pdf/ingest.py
    missing = []
    for path in sorted((REPO / "cse_pdf").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if path.name in ("__init__.py", "__main__.py") or "/migrations/" in rel:
            continue
        stage = rel.rsplit("/", 1)[0] + "/"
        if rel in named_alone:
            continue
        # A module in a stage package is named in its stage's entry (the lines up to the next entry).
        entry = re.search(rf"^{re.escape(stage)}.*?(?=^\S|\Z)", text, re.M | re.S)
        if entry is None or not re.search(rf"(?<![\w.]){re.escape(path.name)}", entry.group(0)):
            missing.append(rel)
    assert not missing, f"not on the README's map: {missing}"


def test_the_map_names_nothing_that_is_not_there() -> None:
    text = code_map()
    for entry in re.findall(r"^(\S+)", text, re.M):
        assert (REPO / entry.rstrip("/")).exists(), entry
    for entry in re.finditer(r"^(cse_pdf/\w+/)(.*?)(?=^\S|\Z)", text, re.M | re.S):
        for name in re.findall(r"(?<![\w./])(\w+\.(?:py|js))\b", entry.group(2)):
            assert (REPO / entry.group(1) / name).exists(), entry.group(1) + name
