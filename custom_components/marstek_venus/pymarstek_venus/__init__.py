"""HA-free asyncio library for the Marstek Venus local Open API (JSON over UDP).

Layers, one module each: ``transport`` (the shared UDP socket and reply matching), ``client``
(typed calls with pacing, resends, retries and verified writes), ``commands`` (validated write
parameters), ``decode`` + ``profiles`` (firmware-specific encodings into ``models``),
``discovery`` (broadcast scan) and ``cli`` (the ``scripts/marstek`` tool).
"""

from __future__ import annotations

from .client import MarstekClient
from .const import DEFAULT_PORT, Method, Mode
from .discovery import discover
from .errors import (
    MarstekApiError,
    MarstekConnectionError,
    MarstekDecodeError,
    MarstekError,
    MarstekInvalidHostError,
    MarstekMethodNotSupportedError,
    MarstekPortInUseError,
    MarstekTimeoutError,
    MarstekValidationError,
    MarstekWriteError,
)
from .models import (
    ALL_DAYS,
    BatteryStatus,
    BleStatus,
    DeviceInfo,
    EnergySystemStatus,
    Family,
    ManualPeriod,
    MeterStatus,
    ModeStatus,
    PassiveConfig,
    PvChannel,
    PvStatus,
    RequestStats,
    Weekday,
    WifiStatus,
)
from .profiles import FirmwareProfile, profile_for

__all__ = [
    "ALL_DAYS",
    "DEFAULT_PORT",
    "BatteryStatus",
    "BleStatus",
    "DeviceInfo",
    "EnergySystemStatus",
    "Family",
    "FirmwareProfile",
    "ManualPeriod",
    "MarstekApiError",
    "MarstekClient",
    "MarstekConnectionError",
    "MarstekDecodeError",
    "MarstekError",
    "MarstekInvalidHostError",
    "MarstekMethodNotSupportedError",
    "MarstekPortInUseError",
    "MarstekTimeoutError",
    "MarstekValidationError",
    "MarstekWriteError",
    "MeterStatus",
    "Method",
    "Mode",
    "ModeStatus",
    "PassiveConfig",
    "PvChannel",
    "PvStatus",
    "RequestStats",
    "Weekday",
    "WifiStatus",
    "discover",
    "profile_for",
]
