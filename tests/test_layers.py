"""The import graph of transdraft's own packages, read from the source with ``ast``.

Three rules of the layout (the product brief's "Layout and layers"):
- no import circle among ``pipeline`` modules, counting imports inside functions and under
  ``if TYPE_CHECKING:`` (a circle hidden there is still a circle of real dependencies);
- layers only import downwards (config, pipeline, worker, then web and cli): ``pipeline``
  never imports ``worker``, ``web``, ``cli``, Celery or the web framework;
- at most a dozen imports inside functions, each deliberate and marked on its line with
  ``# lazy: <why>``.

Run as a script (``python tests/test_layers.py``) it prints the circles and the local imports.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "web", "worker", "cli", "config")
# What the domain must never import: the layers above it and their frameworks.
ABOVE_PIPELINE = ("web", "worker", "cli", "celery", "kombu", "fastapi", "starlette", "uvicorn",
                  "typer")
# Each of our packages and the ones of ours it may import: config < pipeline < worker < web, cli.
BELOW = {"config": set(), "pipeline": {"config"}, "worker": {"pipeline", "config"},
         "web": {"worker", "pipeline", "config"}, "cli": {"web", "worker", "pipeline", "config"}}
MAX_LOCAL_IMPORTS = 12
LAZY_MARK = re.compile(r"#\s*lazy:\s*\S")


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it is written, and how."""

    source: str  # the importing module
    target: str  # a module of ours (the longest known prefix), else the imported name
    path: Path
    line: int
    local: bool  # inside a function body
    marked: bool  # carries a "# lazy: <why>" comment


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_modules() -> dict[str, Path]:
    """Every module of the five packages, by dotted name."""
    return {module_name(path): path
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


class _Collector(ast.NodeVisitor):
    """The imports of one module, with whether each sits inside a function."""

    def __init__(self, name: str, path: Path, lines: list[str], modules: dict[str, Path]):
        self.name, self.path, self.lines, self.modules = name, path, lines, modules
        self.is_package = path.name == "__init__.py"
        self.depth = 0
        self.found: list[Import] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node: ast.Import) -> None:
        self._add(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._absolute(node.module or "", node.level)
        # "from a import b": the module a.b when there is one, else a (b is a name in it).
        targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in self.modules else base
                   for alias in node.names]
        self._add(node, list(dict.fromkeys(targets)))

    def _absolute(self, module: str, level: int) -> str:
        if level == 0:
            return module
        package = self.name.split(".") if self.is_package else self.name.split(".")[:-1]
        base = package[:len(package) - (level - 1)]
        return ".".join([*base, module] if module else base)

    def _add(self, node: ast.stmt, names: list[str]) -> None:
        text = "\n".join(self.lines[node.lineno - 1:node.end_lineno])
        for name in names:
            self.found.append(Import(self.name, self._known(name), self.path, node.lineno,
                                     self.depth > 0, bool(LAZY_MARK.search(text))))

    def _known(self, name: str) -> str:
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in self.modules:
                return ".".join(parts[:end])
        return name


@cache
def all_imports() -> tuple[Import, ...]:
    modules = our_modules()
    found: list[Import] = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        collector = _Collector(name, path, source.splitlines(), modules)
        collector.visit(ast.parse(source, filename=str(path)))
        found += collector.found
    return tuple(found)


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def graph(imports: tuple[Import, ...], package: str) -> dict[str, set[str]]:
    """Module -> the modules it imports, both inside ``package``."""
    edges: dict[str, set[str]] = {}
    for found in imports:
        if _in_package(found.source, package):
            edges.setdefault(found.source, set())
            if _in_package(found.target, package) and found.target != found.source:
                edges[found.source].add(found.target)
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components with more than one module: each holds at least one circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep graph cannot hit the recursion limit.
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(components)


def shortest_circle(edges: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(edges.get(node, ())):
            if child not in members:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no circle through {start}")  # a component always has one


def circles(imports: tuple[Import, ...]) -> list[str]:
    """One line per knot of ``pipeline`` modules: a shortest circle, and the knot when larger."""
    edges = graph(imports, "pipeline")
    return [" -> ".join(shortest_circle(edges, component))
            + (f"  (in a knot of {len(component)}: {', '.join(component)})"
               if len(component) > 2 else "")
            for component in strongly_connected(edges)]


def where(found: Import) -> str:
    return f"{found.path.relative_to(ROOT)}:{found.line}"


def local_imports(imports: tuple[Import, ...]) -> list[Import]:
    """Function-local import statements (one entry per statement, not per name)."""
    seen: dict[tuple[Path, int], Import] = {}
    for found in imports:
        if found.local:
            seen.setdefault((found.path, found.line), found)
    return list(seen.values())


def test_the_collector_reads_every_kind_of_import():
    source = """
from typing import TYPE_CHECKING
from . import sibling
from .sibling import name
from pipeline.db import models, session_scope
if TYPE_CHECKING:
    from pipeline.jobs.lifecycle import Pipeline

def later():
    import pipeline.fetch.http  # lazy: httpx loads on the first fetch
    from ..db import (
        models)
"""
    modules = dict.fromkeys(["pipeline", "pipeline.db", "pipeline.db.models",
                             "pipeline.fetch", "pipeline.fetch.http", "pipeline.jobs",
                             "pipeline.jobs.lifecycle", "pipeline.jobs.sibling"])
    collector = _Collector("pipeline.jobs.runner", ROOT / "pipeline/jobs/runner.py",
                           source.splitlines(), modules)
    collector.visit(ast.parse(source))
    assert [(i.target, i.local, i.marked) for i in collector.found] == [
        ("typing", False, False),
        ("pipeline.jobs.sibling", False, False),
        ("pipeline.jobs.sibling", False, False),
        ("pipeline.db.models", False, False), ("pipeline.db", False, False),
        ("pipeline.jobs.lifecycle", False, False),
        ("pipeline.fetch.http", True, True),
        ("pipeline.db.models", True, False),
    ]


def test_the_import_graph_sees_the_packages():
    # A guard for the tests below: a graph that missed the modules would pass them all.
    imports = all_imports()
    edges = graph(imports, "pipeline")
    assert len(edges) > 50 and sum(map(len, edges.values())) > 100
    assert {found.source.split(".")[0] for found in imports} == set(PACKAGES)


def test_a_circle_is_found_with_its_path():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    [component] = strongly_connected(edges)
    assert component == ["a", "b", "c"]
    assert shortest_circle(edges, component) == ["a", "b", "c", "a"]



def test_no_import_circle_among_pipeline_modules():
    found = circles(all_imports())
    assert not found, "import circles among pipeline modules:\n" + "\n".join(found)


def test_pipeline_imports_nothing_from_the_layers_above():
    upward = [f"{where(found)}: {found.source} imports {found.target}"
              for found in all_imports()
              if _in_package(found.source, "pipeline")
              and found.target.split(".")[0] in ABOVE_PIPELINE]
    assert not upward, "pipeline imports upwards:\n" + "\n".join(upward)


def test_each_layer_imports_only_the_layers_below_it():
    upward = [f"{where(found)}: {found.source} imports {found.target}"
              for found in all_imports()
              if (layer := found.source.split(".")[0]) != (used := found.target.split(".")[0])
              and used in BELOW and used not in BELOW[layer]]
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_few_function_local_imports_each_marked_lazy():
    local = local_imports(all_imports())
    unmarked = [f"{where(found)}: {found.target}" for found in local if not found.marked]
    assert not unmarked, (f"{len(unmarked)} function-local imports without "
                          "'# lazy: <why>' on their line:\n" + "\n".join(unmarked))
    assert len(local) <= MAX_LOCAL_IMPORTS, (
        f"{len(local)} function-local imports, at most {MAX_LOCAL_IMPORTS}:\n"
        + "\n".join(f"{where(found)}: {found.target}" for found in local))


if __name__ == "__main__":
    everything = all_imports()
    found_circles = circles(everything)
    print(f"{len(found_circles)} circle components among pipeline modules")
    print("\n".join(found_circles))
    local = local_imports(everything)
    by_package = {package: sum(_in_package(found.source, package) for found in local)
                  for package in PACKAGES}
    print(f"{len(local)} function-local imports "
          f"({', '.join(f'{p} {n}' for p, n in by_package.items())}), "
          f"{sum(found.marked for found in local)} marked lazy")
    sys.exit(1 if found_circles or len(local) > MAX_LOCAL_IMPORTS else 0)
