"""Measure the package's own import graph: modules, arrows, levels, cycles, largest module.

Why: issue 15 asks for before/after numbers; a refactor that only feels cleaner is not evidence.
Run: python bench/import_graph.py [package]
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp


def main(package: str = "cse_pdf") -> None:
    graph = grimp.build_graph(package, include_external_packages=False)
    modules = sorted(m for m in graph.modules if m != package)
    edges = {
        (m, i)
        for m in modules
        for i in graph.find_modules_directly_imported_by(m)
        if i != package and i in graph.modules
    }
    # Strongly connected components (Tarjan), then the longest path through the condensed graph.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    out = {m: sorted(b for a, b in edges if a == m) for m in modules}
    sys.setrecursionlimit(10000)

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in out[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            components.append(comp)

    for m in modules:
        if m not in index:
            strong(m)
    cycles = [sorted(c) for c in components if len(c) > 1]
    comp_of = {m: i for i, c in enumerate(components) for m in c}
    depth: dict[int, int] = {}

    def level(c: int) -> int:
        if c not in depth:
            below = {comp_of[w] for v in components[c] for w in out[v]} - {c}
            depth[c] = 1 + max((level(b) for b in below), default=0)
        return depth[c]

    levels = max(level(c) for c in range(len(components)))

    def chain(c: int) -> list[str]:
        below = {comp_of[w] for v in components[c] for w in out[v]} - {c}
        nxt = max(below, key=level, default=None)
        return [components[c][0]] + ([] if nxt is None else chain(nxt))

    longest = chain(max(range(len(components)), key=level))
    root = Path(__import__(package).__file__).parent
    sizes = sorted(
        ((sum(1 for _ in p.open(encoding="utf-8")), str(p.relative_to(root.parent))) for p in root.rglob("*.py")),
        reverse=True,
    )
    print(f"modules:        {len(modules)}")
    print(f"import arrows:  {len(edges)}")
    print(f"levels:         {levels}  ({' > '.join(m.removeprefix(package + '.') for m in longest)})")
    print(f"cycles:         {len(cycles)} {cycles if cycles else ''}")
    print(f"largest module: {sizes[0][1]} ({sizes[0][0]} lines)")


if __name__ == "__main__":
    main(*sys.argv[1:])
