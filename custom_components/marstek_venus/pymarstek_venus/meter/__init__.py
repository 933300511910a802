"""An emulated Shelly energy meter that Marstek batteries poll over UDP (no Home Assistant).

The battery's self-consumption loop polls a meter on the LAN by itself; answering those polls
with a grid power the caller knows makes the battery regulate toward zero grid power without
any Open API traffic (meter-emulation.md). One module each: ``models`` (the emulated Shelly
models as data rows, and the ``MeterReading`` answered), ``wire`` (the request parser and the
reply builder: ids, decimals, phases, size), ``server`` (the UDP listeners, per-sender
statistics), ``shares`` (each battery's share when several follow one meter), ``fleet``
(those shares on estimated outputs, ``response`` modelling each battery's loop) and ``pacing``
(spreading a slow source's samples over the battery's polls).
"""

from __future__ import annotations

from .fleet import HOLD_MARGIN_W, FleetShares
from .models import (
    EM_GEN3,
    PRO_3EM,
    PRO_EM50,
    SHELLY_MODELS,
    MeterMethod,
    MeterReading,
    ShellyModel,
)
from .pacing import REGULATION_GATES, SourcePacer, gate_for
from .response import ResponseModel, response_model
from .server import MeterServer, SenderStats, ValueFor
from .shares import Follower, meter_shares
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
    "HOLD_MARGIN_W",
    "MAX_REQUEST_BYTES",
    "PRO_3EM",
    "PRO_EM50",
    "REGULATION_GATES",
    "SHELLY_MODELS",
    "FleetShares",
    "Follower",
    "MeterMethod",
    "MeterReading",
    "MeterRequest",
    "MeterServer",
    "Refusal",
    "ReplyFormat",
    "ResponseModel",
    "SenderStats",
    "ShellyModel",
    "SourcePacer",
    "ValueFor",
    "build_reply",
    "format_decimal",
    "gate_for",
    "meter_shares",
    "parse_request",
    "response_model",
]
