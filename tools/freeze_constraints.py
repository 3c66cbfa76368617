"""Print constraints.txt: the exact version of every package `pip install -e '.[test]'` pulls, as installed here.

Run it in the environment the whole test suite has just passed in, and commit its output:

    python tools/freeze_constraints.py > constraints.txt

Unlike `pip freeze`, it lists only what cse-pdf and its test extras need (walked from pyproject.toml
through each installed package's own requirements), not whatever else the environment holds, and it
fails if one of them is not installed. `.ci/run` and the README's test command install with
`-c constraints.txt`, so a fresh clone gets the versions that passed.
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("test",)


def _top_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    for extra in EXTRAS:
        texts += project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


def _applies(req: Requirement, extras: frozenset[str]) -> bool:
    """Whether a requirement holds here (Python version, platform) for a package installed with `extras`."""
    return req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *extras))


def pinned_closure() -> dict[str, str]:
    """Canonical name → installed version of every package needed, each requirement's extras included."""
    found: dict[str, str] = {}
    wanted = [r for r in _top_requirements() if _applies(r, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while wanted:
        req = wanted.pop()
        extras = frozenset(req.extras)
        if (canonicalize_name(req.name), extras) in seen:
            continue
        seen.add((canonicalize_name(req.name), extras))
        try:
            dist = distribution(req.name)
        except PackageNotFoundError:
            raise SystemExit(f"{req.name} is required but not installed: install '.[test]' first") from None
        if not req.specifier.contains(dist.version, prereleases=True):
            raise SystemExit(f"{req.name} {dist.version} is installed but {req} is required")
        found[canonicalize_name(req.name)] = dist.version
        wanted += [sub for sub in map(Requirement, dist.requires or []) if _applies(sub, extras)]
    return found


def main() -> None:
    lines = [
        "# Exact versions of everything `pip install -e '.[test]'` pulls, as they passed the whole test suite.",
        "# Used as `pip install -c constraints.txt -e '.[test]'` by .ci/run and the README's test command.",
        "# To refresh: upgrade in a working environment, run the full suite, then",
        "#     python tools/freeze_constraints.py > constraints.txt",
        f"# (made with Python {sys.version_info.major}.{sys.version_info.minor} on Linux x86-64)",
    ]
    lines += [f"{name}=={version}" for name, version in sorted(pinned_closure().items())]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
