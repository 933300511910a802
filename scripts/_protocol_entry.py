"""Start the protocol CLI without running the Home Assistant integration's ``__init__``.

The library lives inside the integration package (HACS installs one folder), but it never
imports Home Assistant; registering the parent packages as plain namespaces lets the CLI,
the simulator tests and benchmarks load it in a fraction of a second.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_protocol() -> None:
    """Register ``custom_components.marstek_venus`` as a bare package (no __init__ run)."""
    sys.path.insert(0, str(ROOT))
    if "custom_components.marstek_venus" in sys.modules:
        return
    for name, path in (
        ("custom_components", ROOT / "custom_components"),
        ("custom_components.marstek_venus", ROOT / "custom_components" / "marstek_venus"),
    ):
        module = types.ModuleType(name)
        module.__path__ = [str(path)]
        sys.modules.setdefault(name, module)


if __name__ == "__main__":
    load_protocol()
    from custom_components.marstek_venus.pymarstek_venus.cli import main

    sys.exit(main())
