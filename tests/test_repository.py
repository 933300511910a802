"""Offline stand-in for the parts of the HACS action that concern this repository's files.

The HACS action needs the GitHub API, so it cannot run here. These tests check what it would:
``hacs.json`` against HACS's schema (no unknown keys, right types), a README and an OSI
licence, and the developer entry points the README promises. The device library inside the
integration is also a package of its own (``pymarstek-venus``): the last tests build its wheel
from its folder as it is and import it from there, without this repository.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION

ROOT = Path(__file__).resolve().parent.parent

# HACS_MANIFEST_JSON_SCHEMA (hacs/integration, custom_components/hacs/utils/validate.py):
# every allowed key with its type; the schema rejects any other key.
HACS_KEYS: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "content_in_root": (bool,),
    "zip_release": (bool,),
    "filename": (str,),
    "hide_default_branch": (bool,),
    "country": (str, list),
    "homeassistant": (str,),
    "hacs": (str,),
    "persistent_directory": (str,),
    "render_readme": (bool,),
}


@pytest.fixture(name="hacs")
def hacs_fixture() -> dict[str, Any]:
    """The parsed hacs.json."""
    data = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_hacs_json_keys_and_types(hacs: dict[str, Any]) -> None:
    """Only keys HACS knows, each with the type HACS expects."""
    assert set(hacs) <= set(HACS_KEYS), f"unknown keys: {set(hacs) - set(HACS_KEYS)}"
    for key, value in hacs.items():
        assert isinstance(value, HACS_KEYS[key]), f"{key}: {type(value).__name__}"
    if hacs.get("zip_release"):
        assert "filename" in hacs, "zip_release needs filename"


def test_hacs_json_content(hacs: dict[str, Any]) -> None:
    """Name, minimum Home Assistant version and README rendering as published."""
    assert hacs["name"] == "Marstek Venus"
    assert hacs["render_readme"] is True
    assert hacs.get("content_in_root", False) is False


def test_minimum_ha_version_is_tested(hacs: dict[str, Any]) -> None:
    """The minimum version is a real release no newer than the HA these tests run on.

    scripts/test runs on the oldest supported release (2025.4.4), scripts/test-latest on the
    newest, so the promise in hacs.json is exercised at its lower end.
    """
    minimum = AwesomeVersion(hacs["homeassistant"])
    assert minimum.strategy == "CalVer"
    assert minimum <= AwesomeVersion(HA_VERSION)


@pytest.mark.parametrize(
    "name",
    ["requirements_test.txt", "requirements_test_latest.txt", "requirements_smoke_latest.txt"],
)
def test_requirements_are_pinned(name: str) -> None:
    """Test requirements are exact pins, so CI runs are reproducible."""
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\],]+==[A-Za-z0-9_.+\-]+", line), line


def test_readme_gives_the_two_commands() -> None:
    """HACS shows the README; newcomers get exactly two commands from it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# ")
    for command in ("scripts/setup", "scripts/test", "scripts/test-latest"):
        assert re.search(rf"^{re.escape(command)}$|`{re.escape(command)}`", readme, re.MULTILINE)


def test_license_is_mit() -> None:
    """An OSI licence GitHub can detect (HACS checks it since 2026-07)."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "marstek_venus developers" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


@pytest.mark.parametrize(
    "script", ["scripts/setup", "scripts/test", "scripts/test-latest", ".ci/run"]
)
def test_scripts_are_executable(script: str) -> None:
    """The entry points run as commands (git keeps the executable bit)."""
    path = ROOT / script
    assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
    assert os.access(path, os.X_OK)


def test_single_integration_folder() -> None:
    """HACS manages only the first folder below custom_components/."""
    folders = [
        p.name
        for p in (ROOT / "custom_components").iterdir()
        if p.is_dir() and p.name != "__pycache__"
    ]
    assert folders == ["marstek_venus"]


LIBRARY = ROOT / "custom_components" / "marstek_venus" / "pymarstek_venus"


@pytest.fixture(name="library_project", scope="module")
def library_project_fixture() -> dict[str, Any]:
    """The library's own pyproject.toml."""
    return tomllib.loads((LIBRARY / "pyproject.toml").read_text(encoding="utf-8"))


def test_library_project_is_not_tool_config(library_project: dict[str, Any]) -> None:
    """ruff, pytest and mypy keep reading the repository root's pyproject.toml only.

    ruff uses the nearest pyproject.toml with a [tool.ruff] table, pytest one with
    [tool.pytest.ini_options], mypy the one in the working directory: the library's file has
    none of these tables, so it configures nothing but its build.
    """
    assert set(library_project.get("tool", {})) <= {"setuptools"}
    project = library_project["project"]
    assert project["name"] == "pymarstek-venus"
    assert project["requires-python"] == ">=3.13"
    assert project.get("dependencies", []) == []
    assert library_project["tool"]["setuptools"]["package-dir"] == {"pymarstek_venus": "."}


def test_library_packages_are_all_listed(library_project: dict[str, Any]) -> None:
    """Every sub-package of the library folder goes into the wheel (setuptools lists no folder
    by itself when the package directory is the project directory)."""
    listed = set(library_project["tool"]["setuptools"]["packages"])
    found = {
        ".".join(("pymarstek_venus", *init.parent.relative_to(LIBRARY).parts))
        for init in LIBRARY.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert listed == found


def test_library_imports_are_relative() -> None:
    """Installed on its own, the library cannot reach the integration or Home Assistant."""
    for path in LIBRARY.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(
            r"^\s*(from|import) (custom_components|homeassistant)\b", text, re.M
        ), path


@pytest.mark.slow
def test_library_wheel_builds_and_imports(library_project: dict[str, Any], tmp_path: Path) -> None:
    """``pip wheel`` on a copy of the folder as it is gives a wheel that imports on its own.

    A copy, so the build's scratch files (build/, *.egg-info) never land in the integration.
    Installed into a folder of its own and imported by a Python that sees neither this
    repository nor its working directory (``-I``).
    """
    if importlib.util.find_spec("setuptools") is None:
        pytest.fail("setuptools is missing: requirements_test*.txt pin it for this build")
    source = tmp_path / "source"
    shutil.copytree(LIBRARY, source, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pip = [sys.executable, "-m", "pip"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), "."],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    assert library_project["project"]["dynamic"] == ["version"]
    init = (LIBRARY / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', init, re.M)
    assert found is not None, "__version__ is the library's one version"
    version = found.group(1)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == f"pymarstek_venus-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"pymarstek_venus-{version}.dist-info/METADATA").decode()
    modules = {p.name for p in LIBRARY.glob("*.py")}
    assert {f"pymarstek_venus/{name}" for name in modules} | {"pymarstek_venus/py.typed"} <= names
    assert not {f"pymarstek_venus/{name}" for name in ("pyproject.toml", "README.md")} & names
    assert "Name: pymarstek-venus" in metadata
    assert "Requires-Python: >=3.13" in metadata
    assert "Requires-Dist" not in metadata

    site = tmp_path / "site"
    install = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    script = f"""
import importlib, pkgutil, sys
sys.path.insert(0, {str(site)!r})
import pymarstek_venus
assert pymarstek_venus.__file__.startswith({str(site)!r}), pymarstek_venus.__file__
for module in pkgutil.walk_packages(pymarstek_venus.__path__, "pymarstek_venus."):
    importlib.import_module(module.name)
assert pymarstek_venus.__version__ == {version!r}
profile = pymarstek_venus.profile_for("VenusE 3.0", 150)
assert not any(name.split(".")[0] in ("custom_components", "homeassistant") for name in sys.modules)
print(type(profile).__name__, profile.firmware)
"""
    run = subprocess.run(
        [sys.executable, "-I", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split() == ["FirmwareProfile", "150"]


# Small modules with one job each: a file this long is doing two. Translation tables and
# snapshots are data, not modules.
MAX_MODULE_LINES = 400


def test_no_module_is_over_400_lines() -> None:
    """Every Python file of the repository (code, tests, scripts, benchmarks) stays short.

    Walked rather than asked of git: CI's newest-HA run has no git in its chroot. Hidden
    folders (.venv, .develop, benchmarks/.venv-compare) and build output are not ours.
    """
    skip = {"build", "__pycache__", "node_modules"}
    files = [
        path
        for path in ROOT.rglob("*.py")
        if not any(
            part.startswith(".") or part in skip for part in path.relative_to(ROOT).parts[:-1]
        )
    ]
    assert len(files) > 100, "the walk found too few files"
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}
