"""Offline stand-in for the parts of the HACS action that concern this repository's files.

The HACS action needs the GitHub API, so it cannot run here. These tests check what it would:
``hacs.json`` against HACS's schema (no unknown keys, right types), a README and an OSI
licence, and the developer entry points the README promises.
"""

from __future__ import annotations

import json
import os
import re
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


@pytest.mark.parametrize("name", ["requirements_test.txt", "requirements_test_latest.txt"])
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
