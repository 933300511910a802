"""What the decoder tests share: the captures, and one profile per firmware line they exercise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from custom_components.marstek_venus.pymarstek_venus.profiles import profile_for

CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures"

E3_139 = profile_for("VenusE 3.0", 139)
E3_150 = profile_for("VenusE 3.0", 150)
E2_153 = profile_for("VenusE", 153)
E2_154 = profile_for("VenusE", 154)
A_147 = profile_for("VenusA", 147)
A_150 = profile_for("VenusA", 150)
UNKNOWN = profile_for("Venus Z", 100)


def load_capture(path: Path) -> dict[str, Any]:
    """One capture file: the reply as the device sent it and the values worked out by hand."""
    return cast("dict[str, Any]", json.loads(path.read_text(encoding="utf-8")))
