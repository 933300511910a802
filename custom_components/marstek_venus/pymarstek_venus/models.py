"""Typed, immutable models of what a Marstek battery reports, in normalised units.

Units: W, Wh, °C, %, V, A, seconds. Signs follow Home Assistant's conventions (design.md §2):

* battery power: positive = discharging, negative = charging;
* AC (on-grid port) power: positive = the battery delivers to the AC side (discharging);
* grid / meter power: positive = the house imports from the grid.

The protocol's own signs differ per field; the decoders (``decode.py``) convert them once. A
field is ``None`` when the firmware does not send it or sends a placeholder we know to be
meaningless (for example ``pv_power`` hard-coded to 0 on Venus A 147/148).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from enum import IntFlag, StrEnum

from .const import Mode


class Family(StrEnum):
    """Hardware lines; each has its own firmware numbering and encodings."""

    VENUS_E3 = "venus_e3"  # Venus E 3.0, SKU VNSE3-0
    VENUS_E2 = "venus_e2"  # Venus E 2.0, SKU HMG-50, GetDevice "VenusE"
    VENUS_C = "venus_c"  # Venus C, HMG-50 image
    VENUS_A = "venus_a"  # SKU VNSA-0, has PV inputs
    VENUS_D = "venus_d"  # SKU VNSD-0, has PV inputs
    VENUS_MINI = "venus_mini"  # Venus E mini / VNSEM-0
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Marstek.GetDevice, plus where the reply came from."""

    model: str  # the device string as reported, e.g. "VenusE 3.0"
    family: Family
    firmware: int  # raw `ver`, e.g. 150 or 1476
    ble_mac: str  # 12 lowercase hex characters: the stable identity of a battery
    host: str  # IPv4 the reply came from
    port: int  # the device's API port
    wifi_mac: str | None = None  # the access point's BSSID on VNSE3-0: never an identity
    wifi_name: str | None = None
    reported_ip: str | None = None


@dataclass(frozen=True, slots=True)
class WifiStatus:
    """Wifi.GetStatus."""

    rssi: int | None  # dBm
    ssid: str | None
    ip: str | None
    gateway: str | None = None
    netmask: str | None = None
    dns: str | None = None


@dataclass(frozen=True, slots=True)
class BleStatus:
    """BLE.GetStatus."""

    connected: bool | None
    ble_mac: str | None = None


@dataclass(frozen=True, slots=True)
class BatteryStatus:
    """Bat.GetStatus."""

    soc: int | None  # %
    charge_allowed: bool | None
    discharge_allowed: bool | None
    temperature: float | None  # °C
    remaining_energy: float | None  # Wh
    rated_energy: float | None  # Wh
    voltage: float | None = None  # V (Venus E 2.0 only)
    current: float | None = None  # A (Venus E 2.0 only)
    error_code: int | None = None


@dataclass(frozen=True, slots=True)
class PvChannel:
    """One PV input of PV.GetStatus."""

    index: int  # 1-based channel number
    power: float  # W
    voltage: float | None  # V
    current: float | None  # A
    working: bool | None


@dataclass(frozen=True, slots=True)
class PvStatus:
    """PV.GetStatus (Venus A and D)."""

    channels: tuple[PvChannel, ...]

    @property
    def total_power(self) -> float:
        """Sum of the channel powers in W."""
        return sum(channel.power for channel in self.channels)


@dataclass(frozen=True, slots=True)
class EnergySystemStatus:
    """ES.GetStatus."""

    soc: int | None  # %
    capacity: float | None  # Wh, rated
    battery_power: float | None  # W, + discharging
    battery_power_computed: bool  # True when derived from the AC/PV balance
    ac_power: float | None  # W at the on-grid port, + battery delivering to AC
    offgrid_power: float | None  # W drawn from the backup (EPS) socket
    pv_power: float | None  # W; None where the firmware hard-codes 0
    pv_energy: float | None  # Wh, lifetime
    ac_output_energy: float | None  # Wh, lifetime, battery → AC ("total_grid_output_energy")
    ac_input_energy: float | None  # Wh, lifetime, AC → battery ("total_grid_input_energy")
    load_energy: float | None = None  # Wh; always 0 on audited firmware


@dataclass(frozen=True, slots=True)
class MeterStatus:
    """CT meter readings: EM.GetStatus, or the CT block of ES.GetMode."""

    connected: bool | None
    phase_a_power: float | None  # W, + import
    phase_b_power: float | None
    phase_c_power: float | None
    total_power: float | None  # W, + import from the grid
    import_energy: float | None = None  # Wh, lifetime ("input_energy")
    export_energy: float | None = None  # Wh, lifetime ("output_energy")


@dataclass(frozen=True, slots=True)
class ModeStatus:
    """ES.GetMode. ``mode`` is None when the device reports something we do not know."""

    mode: Mode | None
    raw_mode: str | None
    ac_power: float | None  # W, + battery delivering to AC
    offgrid_power: float | None
    soc: int | None
    meter: MeterStatus | None = None  # CT block, often zeros in Auto: prefer EM.GetStatus


class Weekday(IntFlag):
    """ES.SetMode manual `week_set` bits: bit 0 is Monday."""

    MON = 1
    TUE = 2
    WED = 4
    THU = 8
    FRI = 16
    SAT = 32
    SUN = 64


ALL_DAYS = Weekday(127)


@dataclass(frozen=True, slots=True)
class ManualPeriod:
    """One manual-mode schedule slot as written with ES.SetMode.

    ``power`` uses the device's own SetMode sign (+ discharge, - charge); the firmware also
    accepts -1 for "self-consumption during this window".
    """

    slot: int
    start: time
    end: time
    weekdays: Weekday = ALL_DAYS
    power: int = 0
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class PassiveConfig:
    """ES.SetMode passive parameters: power (+ discharge, - charge) for ``duration`` seconds."""

    power: int
    duration: int


@dataclass(slots=True)
class RequestStats:
    """Counters kept per device by the client; shown in diagnostics and benchmarks."""

    sent: int = 0
    answered: int = 0
    timeouts: int = 0
    resends: int = 0
    errors: int = 0
    dropped: int = 0  # datagrams from this device that matched nothing (late, duplicate, bad)
    last_latency: float | None = None
    latency_total: float = 0.0
    method_failures: dict[str, int] = field(default_factory=dict)

    @property
    def average_latency(self) -> float | None:
        """Mean round-trip time of answered requests, in seconds."""
        return self.latency_total / self.answered if self.answered else None
