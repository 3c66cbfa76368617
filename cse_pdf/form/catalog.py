"""Which forms this install knows, by id and version.

Current layouts live in `layouts/*.yaml`; superseded versions are kept in
`layouts/archive/` so that a form filled from an older copy still reads.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cse_pdf.base.errors import SpecError, UnknownFormError
from cse_pdf.form.spec import FormSpec, load_spec


def layouts_dir() -> Path:
    """Installed wheels carry the layouts inside the package; a checkout has them at the top."""
    packaged = Path(__file__).parent.parent / "layouts"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent.parent / "layouts"


@lru_cache(maxsize=None)
def _all_specs(root: Path) -> tuple[tuple[FormSpec, bool], ...]:
    found: list[tuple[FormSpec, bool]] = []
    for path in sorted(root.glob("*.yaml")):
        found.append((load_spec(path), True))
    for path in sorted((root / "archive").glob("*.yaml")):
        found.append((load_spec(path), False))
    return tuple(found)


def current_forms() -> list[FormSpec]:
    """The forms offered to users: one (the newest) per form id."""
    return [spec for spec, current in _all_specs(layouts_dir()) if current]


def find_form(name: str, version: str | None = None) -> FormSpec:
    """A form named by id (optionally a given version) or by a path to a layout YAML."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        path = Path(name)
        if not path.exists():
            raise SpecError("no such layout file", path)
        return load_spec(path)
    candidates = [spec for spec, current in _all_specs(layouts_dir()) if spec.id == name]
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
        "add that version's layout to layouts/archive/"
    )
