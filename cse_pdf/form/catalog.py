"""Which forms this install knows, by id and version.

Current layouts live in `layouts/*.yaml`; superseded versions are kept in
`layouts/archive/` so that a form filled from an older copy still reads. A Board
adds its own forms without touching the installed package: every folder named in
`$CSE_PDF_LAYOUTS` (separated by `:`, as in PATH; `;` on Windows) is read the same
way, after the installed one, archive/ included.

A form id is current in one file only, and a version of a form is in one file only,
across every folder: a second one is refused with both files named, never silently
shadowed, because which file wins would decide how every returned copy is read.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from functools import lru_cache
from pathlib import Path

from cse_pdf.base.errors import SpecError, UnknownFormError
from cse_pdf.form.spec import FormSpec, load_spec

LAYOUTS_VARIABLE = "CSE_PDF_LAYOUTS"


@lru_cache(maxsize=None)
def layouts_dir() -> Path:
    """Installed wheels carry the layouts inside the package; a checkout has them at the top. (Where the
    package is does not change while it runs: worked out once, not on every look-up of a form.)"""
    packaged = Path(__file__).parent.parent / "layouts"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent.parent / "layouts"


def board_folders() -> tuple[Path, ...]:
    """The folders in $CSE_PDF_LAYOUTS, in order (empty entries skipped, as in PATH).

    Read afresh on every call, and made absolute, so that the catalog's cache is keyed by what the
    variable says now (a test or a long-lived process may change it, or the working folder)."""
    extra = os.environ.get(LAYOUTS_VARIABLE, "")
    return tuple(Path(os.path.abspath(p)) for p in extra.split(os.pathsep) if p)


@lru_cache(maxsize=None)
def _all_specs(installed: Path, boards: tuple[Path, ...]) -> tuple[tuple[FormSpec, bool], ...]:
    """Every layout, installed then each Board folder's, as (spec, current?), current ones first;
    duplicates refused."""
    current: list[tuple[FormSpec, Path]] = []
    archived: list[tuple[FormSpec, Path]] = []
    missing = next((folder for folder in boards if not folder.is_dir()), None)
    if missing is not None:
        raise SpecError(f"no such layouts folder (named in ${LAYOUTS_VARIABLE}); create it or remove it from the "
                        "variable", missing)
    seen_folders: set[Path] = set()
    for folder in (installed, *boards):
        if folder.resolve() in seen_folders:  # the installed folder named again, or one named twice
            continue
        seen_folders.add(folder.resolve())
        current += [(load_spec(path), path) for path in sorted(folder.glob("*.yaml"))]
        archived += [(load_spec(path), path) for path in sorted((folder / "archive").glob("*.yaml"))]
    _refuse_twice([(spec.id, path) for spec, path in current], "form id {} is current in two layouts")
    _refuse_twice([((spec.id, spec.version), path) for spec, path in current + archived],
                  "form {0[0]} version {0[1]} is in two layouts")
    return tuple([(spec, True) for spec, _ in current] + [(spec, False) for spec, _ in archived])


def _refuse_twice(found: list[tuple[Hashable, Path]], what: str) -> None:
    """`what` is formatted with the repeated key; the error names the second file and the first."""
    first: dict[Hashable, Path] = {}
    for key, path in found:
        if key in first:
            raise SpecError(f"{what.format(key)}: here and in {first[key]}; keep one (an older version goes "
                            "in archive/)", path)
        first[key] = path


def current_forms() -> list[FormSpec]:
    """The forms offered to users: one (the newest) per form id."""
    return [spec for spec, current in _all_specs(layouts_dir(), board_folders()) if current]


def find_form(name: str, version: str | None = None) -> FormSpec:
    """A form named by id (optionally a given version) or by a path to a layout YAML."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        path = Path(name)
        if not path.exists():
            raise SpecError("no such layout file", path)
        return load_spec(path)
    candidates = [spec for spec, current in _all_specs(layouts_dir(), board_folders()) if spec.id == name]
    if not candidates:
        known = ", ".join(s.id for s in current_forms()) or "none"
        raise UnknownFormError(f"no form with id {name!r} (known: {known}); run `cse-pdf forms`")
    if version is None:
        return candidates[0]
    for spec in candidates:
        if spec.version == version:
            return spec
    raise UnknownFormError(
        f"form {name!r} version {version!r} is not installed (have {', '.join(s.version for s in candidates)}); "
        f"add that version's layout to layouts/archive/ (or to archive/ in a folder of ${LAYOUTS_VARIABLE})"
    )
