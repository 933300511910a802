"""HA-free asyncio library for the Marstek Venus local Open API (JSON over UDP).

Layers, one module each: ``transport`` (the shared UDP socket and reply matching),
``registry`` (the shared sockets and the pacing log of a process), ``session`` (requests with
pacing, resends and retries under the device lock, and the loop that sends a write once and
reads it back), ``lock`` (that lock), ``client`` (typed reads and verified writes),
``writes`` and ``passive`` (what a read-back tells, whether passive power follows), ``commands`` (validated write parameters),
``fields`` + ``decode_*`` behind the one ``decode.DECODERS`` table and ``firmware`` +
``profiles`` (firmware-specific encodings into ``models``, as data rows), ``discovery``
(broadcast scan), ``reachability`` (one diagnosing probe), ``quiet`` (sending to an HMG-50
battery only in the quiet moment after its meter answered), ``timing`` (every real-time number,
injected), ``split`` (one power shared across several batteries), ``meter`` (the emulated Shelly meter that batteries poll by themselves) and ``cli``
(the ``scripts/marstek`` tool). Everything a caller needs is importable from this package.
"""

from __future__ import annotations

# The one place the version is written: pyproject.toml and the CHANGELOG follow it.
__version__ = "0.1.0"

from .client import MarstekClient
from .commands import DOD_MAX, DOD_MIN, PASSIVE_MAX_DURATION, format_time
from .const import DEFAULT_PORT, DEFAULT_REQUEST_GAP, MIN_REQUEST_GAP, Method, Mode
from .decode import DECODERS, ReplyContext, battery_power_from_mode, decode_device
from .discovery import discover
from .errors import (
    MarstekApiError,
    MarstekConnectionError,
    MarstekDecodeError,
    MarstekError,
    MarstekInvalidHostError,
    MarstekMethodNotSupportedError,
    MarstekPassiveNotFollowedError,
    MarstekPortInUseError,
    MarstekTimeoutError,
    MarstekValidationError,
    MarstekWriteError,
)
from .lock import DeviceLock
from .meter import (
    SHELLY_MODELS,
    FleetShares,
    Follower,
    MeterMethod,
    MeterReading,
    MeterServer,
    Refusal,
    ReplyFormat,
    SenderStats,
    ShellyModel,
    SourcePacer,
    gate_for,
    meter_shares,
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
from .profiles import (
    FIRMWARE_POWER_LIMIT,
    NO_PV_FAMILIES,
    PV_FAMILIES,
    FirmwareProfile,
    PowerLimits,
    family_from_model,
    profile_for,
)
from .quiet import SHARED_CHANNEL_FAMILIES, QuietWindow, SendGate
from .reachability import PresenceLookup, Reachability, Verdict, probe
from .registry import SocketRegistry
from .split import Allocation, SplitMember, split_power
from .timing import Timing
from .transport import validate_host
from .writes import delivers

__all__ = [
    "ALL_DAYS",
    "DECODERS",
    "DEFAULT_PORT",
    "DEFAULT_REQUEST_GAP",
    "DOD_MAX",
    "DOD_MIN",
    "FIRMWARE_POWER_LIMIT",
    "MIN_REQUEST_GAP",
    "NO_PV_FAMILIES",
    "PASSIVE_MAX_DURATION",
    "PV_FAMILIES",
    "SHARED_CHANNEL_FAMILIES",
    "SHELLY_MODELS",
    "Allocation",
    "BatteryStatus",
    "BleStatus",
    "DeviceInfo",
    "DeviceLock",
    "EnergySystemStatus",
    "Family",
    "FirmwareProfile",
    "FleetShares",
    "Follower",
    "ManualPeriod",
    "MarstekApiError",
    "MarstekClient",
    "MarstekConnectionError",
    "MarstekDecodeError",
    "MarstekError",
    "MarstekInvalidHostError",
    "MarstekMethodNotSupportedError",
    "MarstekPassiveNotFollowedError",
    "MarstekPortInUseError",
    "MarstekTimeoutError",
    "MarstekValidationError",
    "MarstekWriteError",
    "MeterMethod",
    "MeterReading",
    "MeterServer",
    "MeterStatus",
    "Method",
    "Mode",
    "ModeStatus",
    "PassiveConfig",
    "PowerLimits",
    "PresenceLookup",
    "PvChannel",
    "PvStatus",
    "QuietWindow",
    "Reachability",
    "Refusal",
    "ReplyContext",
    "ReplyFormat",
    "RequestStats",
    "SendGate",
    "SenderStats",
    "ShellyModel",
    "SocketRegistry",
    "SourcePacer",
    "SplitMember",
    "Timing",
    "Verdict",
    "Weekday",
    "WifiStatus",
    "battery_power_from_mode",
    "decode_device",
    "delivers",
    "discover",
    "family_from_model",
    "format_time",
    "gate_for",
    "meter_shares",
    "probe",
    "profile_for",
    "split_power",
    "validate_host",
]
