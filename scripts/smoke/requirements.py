"""What the smoke run's Home Assistant would install on its first start, installed beforehand.

Home Assistant installs on first use the requirements of the integrations it loads (the
frontend, backup, the voice pipeline and the others it always loads) and of its login's
two-factor modules (TOTP is on by default). The smoke run has no network, so scripts/test-latest
installs them beforehand: the versions the installed Home Assistant pins, under its own package
constraints.

Usage: python -m scripts.smoke.requirements               (one missing requirement per line)
       python -m scripts.smoke.requirements --constraints (Home Assistant's constraints file)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import homeassistant
from homeassistant import bootstrap
from homeassistant.requirements import DISCOVERY_INTEGRATIONS

from scripts.devenv.requirements import is_installed
from scripts.hass_common import Manifest, read_manifest, walk_requirements

from .config import CONFIGURED_INTEGRATIONS, DOMAIN, INTEGRATION

HOME_ASSISTANT = Path(homeassistant.__file__).parent
AUTH_MODULES = ("auth/mfa_modules", "auth/providers")


def constraints_file() -> Path:
    """The package constraints Home Assistant itself installs requirements under."""
    return HOME_ASSISTANT / "package_constraints.txt"


def _manifest(domain: str) -> dict[str, Any]:
    return read_manifest(
        INTEGRATION if domain == DOMAIN else HOME_ASSISTANT / "components" / domain
    )


def _linked(manifest: Manifest) -> list[str]:
    """Dependencies, after-dependencies and the discovery integrations a manifest names
    (``dhcp`` matchers pull in dhcp's requirements)."""
    discovery = [
        check_domain
        for check_domain, keys in DISCOVERY_INTEGRATIONS.items()
        if any(key in manifest for key in keys)
    ]
    return [*manifest.get("dependencies", []), *manifest.get("after_dependencies", []), *discovery]


def integration_requirements(domains: Iterable[str]) -> set[str]:
    """Requirements of `domains` and of all Home Assistant loads with them, walked the way
    homeassistant.requirements walks them (``_linked``)."""
    always = (*bootstrap.CORE_INTEGRATIONS, *bootstrap.DEFAULT_INTEGRATIONS)
    return walk_requirements((*domains, *always), _manifest, _linked)


def auth_requirements() -> set[str]:
    """``REQUIREMENTS`` of the login and two-factor modules (read, not imported: importing
    them is what needs the requirements)."""
    found: set[str] = set()
    for folder in AUTH_MODULES:
        for path in sorted((HOME_ASSISTANT / folder).glob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "REQUIREMENTS" for t in node.targets
                ):
                    found.update(str(item) for item in ast.literal_eval(node.value))
    return found


def main(argv: list[str]) -> int:
    if argv == ["--constraints"]:
        print(constraints_file())
        return 0
    if argv:
        print("usage: python -m scripts.smoke.requirements [--constraints]", file=sys.stderr)
        return 2
    wanted = integration_requirements([DOMAIN, *CONFIGURED_INTEGRATIONS]) | auth_requirements()
    print("\n".join(sorted(item for item in wanted if not is_installed(item))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
