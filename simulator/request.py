"""How the firmware reads a datagram: JSON object, method, id and params, leniently.

The firmware parses with cJSON and stores the id as a uint16, so a reply echoes the low 16 bits
of a numeric id and 0 for anything else. Nothing here rejects a request: whether a breach of
the rules is recorded is ``safety.py``'s job, whether it is answered ``battery.py``'s.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Final

MAX_ID: Final = 0xFFFF


@dataclass(frozen=True, slots=True)
class Request:
    """One datagram as the device understood it."""

    method: str | None = None
    request_id: object = None
    params: object = None
    parsed: bool = False  # a JSON object with a string method
    is_object: bool = False  # a JSON object at all

    @property
    def reply_id(self) -> int:
        """The id the reply carries: the firmware's uint16 (cJSON's valueint of the value)."""
        request_id = self.request_id
        if isinstance(request_id, bool) or not isinstance(request_id, int | float):
            return 0
        if isinstance(request_id, float) and not math.isfinite(request_id):
            return 0
        return int(request_id) & MAX_ID


def parse_request(data: bytes) -> Request:
    """Read `data` as the device does; an empty or unreadable datagram gives an empty Request."""
    if not data:
        return Request()
    try:
        message = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # hostile nesting too
        return Request()
    if not isinstance(message, dict):
        return Request()
    request_id = message.get("id")
    method = message.get("method")
    if not isinstance(method, str):
        return Request(request_id=request_id, is_object=True)
    return Request(method, request_id, message.get("params"), parsed=True, is_object=True)
