"""Which Python packages the development Home Assistant still needs, from its manifests.

Home Assistant installs an integration's requirements itself on first use, silently and in
the middle of its start-up. scripts/develop installs them beforehand instead, with pip's
progress bar, so a first start on a fresh machine shows what it is waiting for. The test
requirements (scripts/setup) already hold Home Assistant and most of what it loads; the
big one missing is the frontend (``home-assistant-frontend``, tens of megabytes).

Usage: python -m scripts.devenv.requirements DOMAIN ...   (prints one requirement per line)
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Iterable
from pathlib import Path

from homeassistant import bootstrap
from packaging.requirements import InvalidRequirement, Requirement

from scripts.hass_common import read_manifest, walk_requirements

REPO = Path(__file__).resolve().parents[2]
CORE_COMPONENTS = Path(bootstrap.__file__).parent / "components"
CUSTOM_COMPONENTS = REPO / "custom_components"


def _manifest(domain: str) -> dict[str, object]:
    return read_manifest(CUSTOM_COMPONENTS / domain, CORE_COMPONENTS / domain)


def requirements(domains: Iterable[str]) -> list[str]:
    """Every requirement of `domains`, Home Assistant's always-loaded ones and their deps."""
    always = (*bootstrap.CORE_INTEGRATIONS, *bootstrap.DEFAULT_INTEGRATIONS)
    found = walk_requirements(
        (*domains, *always), _manifest, lambda manifest: manifest.get("dependencies", []) or []
    )
    return sorted(found)


def is_installed(requirement: str) -> bool:
    """True when an installed distribution satisfies `requirement`."""
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return False
    try:
        version = importlib.metadata.version(parsed.name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return parsed.specifier.contains(version, prereleases=True)


def missing(domains: Iterable[str]) -> list[str]:
    """The requirements of `domains` that are not installed (yet)."""
    return [item for item in requirements(domains) if not is_installed(item)]


if __name__ == "__main__":
    print("\n".join(missing(sys.argv[1:])))
