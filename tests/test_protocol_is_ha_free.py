"""The protocol library and the simulator must never import Home Assistant.

Each package is imported module by module in a fresh interpreter in which any attempt to import
``homeassistant`` is refused and recorded (an attempt inside ``try/except ImportError`` counts
too). The integration's own ``__init__`` (which does import Home Assistant) is replaced by a bare
package object, so only the protocol package and what it imports itself are loaded. A static
scan of the source catches imports on paths the dynamic check does not execute
(``TYPE_CHECKING`` blocks, ``__main__`` modules, function bodies).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HA_FREE_PACKAGES = {
    "custom_components.marstek_venus.pymarstek_venus": ROOT
    / "custom_components/marstek_venus/pymarstek_venus",
    "simulator": ROOT / "simulator",
}

# Runs in the child interpreter: argv = [root, package]. Prints one line per problem and exits
# non-zero when there is any.
CHECKER = r"""
import importlib
import importlib.abc
import pkgutil
import sys
import types
from pathlib import Path

root, package = Path(sys.argv[1]), sys.argv[2]
attempts = []


class RefuseHomeAssistant(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "homeassistant" or fullname.startswith("homeassistant."):
            attempts.append((fullname, current))
            raise ImportError(f"{fullname} may not be imported here")
        return None


sys.meta_path.insert(0, RefuseHomeAssistant())
sys.path.insert(0, str(root))
current = "<setup>"

# A bare stand-in for the integration package, so its HA-importing __init__ never runs.
integration_dir = root / "custom_components" / "marstek_venus"
if integration_dir.is_dir():
    import custom_components

    stub = types.ModuleType("custom_components.marstek_venus")
    stub.__path__ = [str(integration_dir)]
    sys.modules[stub.__name__] = stub
    custom_components.marstek_venus = stub

problems = []


def load(name):
    global current
    current = name
    try:
        return importlib.import_module(name)
    except Exception as err:
        problems.append(f"{name}: import failed: {type(err).__name__}: {err}")
        return None


top = load(package)
names = [package]
if top is not None and hasattr(top, "__path__"):
    for info in pkgutil.walk_packages(top.__path__, prefix=package + ".", onerror=lambda n: None):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # importing it would run the program; the static scan covers it
        names.append(info.name)
        load(info.name)

for fullname, importer in attempts:
    problems.append(f"{importer}: tried to import {fullname}")
leaked = sorted(m for m in sys.modules if m == "homeassistant" or m.startswith("homeassistant."))
if leaked:
    problems.append(f"homeassistant modules loaded: {leaked[:5]}")

for problem in problems:
    print(problem)
print(f"checked {len(names)} modules", file=sys.stderr)
sys.exit(1 if problems else 0)
"""


def run_checker(root: Path, package: str) -> subprocess.CompletedProcess[str]:
    """Import every module of ``package`` (found below ``root``) with Home Assistant refused."""
    return subprocess.run(
        [sys.executable, "-I", "-c", CHECKER, str(root), package],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=root,
    )


def homeassistant_imports(source_dir: Path) -> list[str]:
    """Every ``import homeassistant...`` statement in the tree, as ``file:line``."""
    found = []
    for path in sorted(source_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            if any(m == "homeassistant" or m.startswith("homeassistant.") for m in modules):
                found.append(f"{path.relative_to(source_dir.parent)}:{node.lineno}")
    return found


@pytest.mark.parametrize("package", sorted(HA_FREE_PACKAGES))
def test_imports_without_homeassistant(package: str) -> None:
    """Every module of the package imports while Home Assistant cannot be imported."""
    result = run_checker(ROOT, package)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("package", sorted(HA_FREE_PACKAGES))
def test_source_has_no_homeassistant_import(package: str) -> None:
    """No import statement anywhere in the package names Home Assistant."""
    assert homeassistant_imports(HA_FREE_PACKAGES[package]) == []


@pytest.mark.parametrize(
    "body",
    [
        "import homeassistant.const\n",
        # A guarded import is still an attempt, and still a dependency on Home Assistant.
        "try:\n    from homeassistant.core import HomeAssistant\nexcept ImportError:\n    pass\n",
    ],
)
def test_checker_catches_an_import(tmp_path: Path, body: str) -> None:
    """The checker itself works: a package that reaches for Home Assistant fails it."""
    package = tmp_path / "leaky"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "module.py").write_text(body)

    result = run_checker(tmp_path, "leaky")

    assert result.returncode == 1
    assert "leaky.module" in result.stdout
    [statement] = homeassistant_imports(package)
    assert statement.startswith("leaky/module.py:")
