"""The integration's module layout: no import cycles, one door into the library, small modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "marstek_venus"
LIBRARY = "pymarstek_venus"


def _modules() -> dict[str, ast.Module]:
    return {
        path.stem: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(INTEGRATION.glob("*.py"))
    }


def _relative_imports(tree: ast.Module) -> Iterator[tuple[str, list[str]]]:
    """Every ``from .x import a, b`` (TYPE_CHECKING blocks and function bodies included)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            yield node.module or "", [alias.name for alias in node.names]


def _graph() -> dict[str, set[str]]:
    """Which integration modules each integration module imports (the library left out)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        for module, names in _relative_imports(tree):
            if module == "":
                # ``from . import issues``: the names are modules of the package.
                targets = {item for item in names if item in modules}
            else:
                targets = {module.split(".")[0]}
            graph[name] |= {target for target in targets if target in modules} - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    """The check itself works: a two-module cycle and a longer one are reported."""
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycle() -> None:
    """No module imports, even for typing only, a module that imports it back."""
    graph = _graph()
    assert graph["coordinator"] >= {"control", "polling", "watch", "recovery"}
    assert _cycle(graph) is None


@pytest.mark.parametrize(
    "module", ["control", "watch", "passive", "recovery", "schedule_writer", "polling"]
)
def test_parts_do_not_import_the_coordinator(module: str) -> None:
    """The coordinator builds its parts; they get what they need passed in."""
    graph = _graph()
    reachable, todo = set(), [module]
    while todo:
        for target in graph[todo.pop()] - reachable:
            reachable.add(target)
            todo.append(target)
    assert "coordinator" not in reachable


def test_library_only_through_its_public_api() -> None:
    """``from .pymarstek_venus import ...`` only: no submodule, every name in ``__all__``."""
    library = ast.parse((INTEGRATION / LIBRARY / "__init__.py").read_text(encoding="utf-8"))
    public: set[str] = set()
    for node in library.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            public = set(ast.literal_eval(node.value))
    assert public
    for name, tree in _modules().items():
        for module, names in _relative_imports(tree):
            assert not module.startswith(f"{LIBRARY}."), f"{name}.py imports .{module}"
            if module == LIBRARY:
                assert set(names) <= public, f"{name}.py: {set(names) - public} not public"
            assert module or LIBRARY not in names, f"{name}.py imports the library module"


def test_polling_is_home_assistant_free() -> None:
    """The read plan is plain Python: unit-testable without Home Assistant."""
    tree = _modules()["polling"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(alias.name.startswith("homeassistant") for alias in node.names)
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            assert not (node.module or "").startswith("homeassistant")


def test_module_sizes() -> None:
    """The coordinator stays lean; no module grows past 400 lines."""
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in INTEGRATION.glob("*.py")
    }
    assert sizes["coordinator.py"] <= 250
    assert {name: size for name, size in sizes.items() if size > 400} == {}
