"""An emulated Shelly energy meter that Marstek batteries poll over UDP (no Home Assistant).

The battery's self-consumption loop polls a meter on the LAN by itself; answering those polls
with a grid power the caller knows makes the battery regulate toward zero grid power without
any Open API traffic (meter-emulation.md). One module each: ``models`` (the emulated Shelly
models as data rows, and the ``MeterReading`` answered), ``wire`` (the request parser and the
reply builder: ids, decimals, phases, size) and ``server`` (the UDP listeners, per-sender
statistics).
"""

from __future__ import annotations

from .models import (
    EM_GEN3,
    PRO_3EM,
    PRO_EM50,
    SHELLY_MODELS,
    MeterMethod,
    MeterReading,
    ShellyModel,
)
from .server import MeterServer, SenderStats, ValueFor
from .wire import (
    MAX_REQUEST_BYTES,
    MeterRequest,
    Refusal,
    ReplyFormat,
    build_reply,
    format_decimal,
    parse_request,
)

__all__ = [
    "EM_GEN3",
    "MAX_REQUEST_BYTES",
    "PRO_3EM",
    "PRO_EM50",
    "SHELLY_MODELS",
    "MeterMethod",
    "MeterReading",
    "MeterRequest",
    "MeterServer",
    "Refusal",
    "ReplyFormat",
    "SenderStats",
    "ShellyModel",
    "ValueFor",
    "build_reply",
    "format_decimal",
    "parse_request",
]
