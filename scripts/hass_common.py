"""What the development and the smoke Home Assistant share: the home, and the manifests' walk.

Standard library only: scripts/smoke runs in a chroot with nothing but the standard library and
Home Assistant installed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

Manifest = Mapping[str, Any]


def core_yaml(name: str, time_zone: str) -> str:
    """The ``homeassistant:`` block of configuration.yaml: a metric home in Amsterdam."""
    return f"""\
homeassistant:
  name: {name}
  latitude: 52.3731
  longitude: 4.8922
  elevation: 0
  unit_system: metric
  currency: EUR
  country: NL
  language: en
  time_zone: {time_zone}
"""


def read_manifest(*folders: Path) -> dict[str, Any]:
    """The manifest.json of the first of ``folders`` that has one; empty if none has."""
    for folder in folders:
        path = folder / "manifest.json"
        if path.is_file():
            manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return manifest
    return {}


def walk_requirements(
    domains: Iterable[str],
    manifest: Callable[[str], Manifest],
    linked: Callable[[Manifest], Iterable[str]],
) -> set[str]:
    """The requirements of ``domains`` and of every domain their manifests link to (``linked``)."""
    todo = set(domains)
    seen: set[str] = set()
    found: set[str] = set()
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        read = manifest(domain)
        found.update(str(item) for item in read.get("requirements", []) or [])
        todo.update(str(item) for item in linked(read))
    return found
