"""Serialise replies the way the firmware's cJSON does: tab-indented, one member per line.

Real replies look like ``{\\n\\t"id":\\t0,\\n\\t"src":\\t"VenusE 3.0-…",\\n\\t"result":\\t{…}\\n}``.
Python floats are printed with at least one decimal (``25.0``, ``5120.0``) because that is how
the firmware prints ``bat_temp``, ``bat_capacity`` and ``rated_capacity``; integers stay integers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

type JsonValue = bool | int | float | str | Sequence[JsonValue] | Mapping[str, JsonValue] | None


def dumps(value: JsonValue) -> str:
    """Pretty-print `value` in cJSON's formatted style."""
    parts: list[str] = []
    _write(value, 0, parts)
    return "".join(parts)


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "null"  # cJSON prints NaN and infinities as null
    return repr(round(value, 3))


def _write(value: JsonValue, depth: int, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping):
        if not value:
            out.append("{\n" + "\t" * depth + "}")
            return
        out.append("{\n")
        items = list(value.items())
        for index, (key, item) in enumerate(items):
            out.append("\t" * (depth + 1) + json.dumps(key, ensure_ascii=False) + ":\t")
            _write(item, depth + 1, out)
            out.append(",\n" if index < len(items) - 1 else "\n")
        out.append("\t" * depth + "}")
    else:
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(", ")
            _write(item, depth + 1, out)
        out.append("]")
