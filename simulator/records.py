"""What the simulated battery saw: every request, and every breach of the device-safety rules.

Tests assert on these: a well-behaved client leaves `violations` empty (design.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ViolationKind(StrEnum):
    """Client behaviour that endangers a real battery."""

    EMPTY_DATAGRAM = "empty_datagram"  # freezes the Open API on real firmware
    MALFORMED = "malformed"  # not a JSON object with a string method
    BAD_ID = "bad_id"  # id not an integer in 1..65535 (0 allowed for GetDevice)
    GAP = "gap"  # two requests from one client closer than the minimum gap
    CONCURRENT = "concurrent"  # a request while an earlier one still awaits its reply
    DESTRUCTIVE = "destructive"  # Set.Ver / Reset.Factory
    # HMG-50 (Venus C / E 2.0): a datagram while a meter poll awaits its reply; the Open API
    # and the meter reader share one receive channel (shared_channel.py)
    SHARED_CHANNEL = "shared_channel"


class Outcome(StrEnum):
    """What became of a request."""

    REPLIED = "replied"
    LOST_REQUEST = "lost_request"  # dropped "on the wire" before the device saw it
    LOST_REPLY = "lost_reply"  # handled, but the reply was dropped on the way back
    NO_REPLY = "no_reply"  # handled (or ignored) without an answer, as the firmware does
    SILENT = "silent"  # Open API switched off
    FROZEN = "frozen"  # frozen by an empty datagram until reboot
    REBOOTING = "rebooting"  # arrived while the device was restarting
    CONTENTION = "contention"  # answered -32700/403 (CT mutex busy)
    PARSE_ERROR = "parse_error"  # answered -32700/402 with id 0


type Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One datagram received by the battery."""

    time: float  # event-loop time (real monotonic seconds)
    device_time: datetime  # the battery's RTC
    source: Address
    raw: bytes
    method: str | None  # None when the datagram did not parse
    id: object  # the request id exactly as sent (may be a string, float, missing = None)
    params: object
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Violation:
    """One breach of the device-safety rules."""

    time: float
    source: Address
    kind: ViolationKind
    detail: str
    method: str | None = None
