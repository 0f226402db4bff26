"""The module import graph of hotfence has no cycles (issue 9).

import-linter's layer contract only checks packages against each other; a cycle
between two modules of one package (or a package ``__init__`` and its own
submodules) passes it.  grimp, the graph library import-linter is built on,
sees every module-level import, including imports inside functions, so a
strongly connected component of more than one module is a real cycle.
"""

from __future__ import annotations

import grimp


def _components(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm over direct imports; returns components of size > 1
    (or a module importing itself)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    # Iterative form: the graph is a few hundred modules deep at most, but a
    # recursion limit failure would hide the real answer.
    for root in modules:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, sorted(graph.find_modules_directly_imported_by(root))))
        while work:
            node, pending = work[-1]
            if pending:
                succ = pending.pop()
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, sorted(graph.find_modules_directly_imported_by(succ))))
                elif succ in on_stack:
                    low[node] = min(low[node], index[succ])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                self_loop = graph.direct_import_exists(importer=node, imported=node)
                if len(component) > 1 or self_loop:
                    found.append(sorted(component))
    return found


def _describe(graph: grimp.ImportGraph, component: list[str]) -> str:
    members = set(component)
    lines = [f"cycle among {', '.join(component)}:"]
    for importer in component:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(
                    f"  {importer}:{detail['line_number']} -> {imported}"
                    f"  ({detail['line_contents']})"
                )
    return "\n".join(lines)


def test_tarjan_finds_a_planted_cycle() -> None:
    # The detector itself must be able to fail: a hand-built graph with a
    # three-module cycle, a two-module cycle and an acyclic tail.
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("p.a", "p.b"),
        ("p.b", "p.c"),
        ("p.c", "p.a"),
        ("p.c", "p.d"),
        ("p.d", "p.e"),
        ("p.e", "p.d"),
        ("p.e", "p.f"),
    ]:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    assert sorted(_components(graph)) == [["p.a", "p.b", "p.c"], ["p.d", "p.e"]]
    assert "p.c:1 -> p.a" in _describe(graph, ["p.a", "p.b", "p.c"])


def test_hotfence_has_no_import_cycles() -> None:
    graph = grimp.build_graph("hotfence", cache_dir=None)
    cycles = _components(graph)
    assert not cycles, "\n".join(_describe(graph, c) for c in cycles)
