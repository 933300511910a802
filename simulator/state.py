"""What a simulated battery is and knows: modes, manual slots, settings, counters, snapshots.

Plain data, shared by the physics (which changes it), the handlers (which write settings from
requests) and the encoders (which put it on the wire). Units and signs as in ``physics.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

DEFAULT_DOD = 88  # % depth of discharge: the battery stops discharging at 100 - 88 = 12 % SOC


class Mode(StrEnum):
    """Operating modes as ES.GetMode spells them."""

    AUTO = "Auto"
    AI = "AI"
    MANUAL = "Manual"
    PASSIVE = "Passive"
    UPS = "UPS"


@dataclass(frozen=True, slots=True)
class ManualPeriod:
    """One manual-mode slot as last written by ES.SetMode (the device cannot report it)."""

    slot: int
    start: str = "00:00"  # HH:MM on the device RTC
    end: str = "00:00"
    week_set: int = 0  # bit0 = Monday ... bit6 = Sunday
    power: int = 0  # W, + = discharge, - = charge; -1 = self-consumption in this window
    enabled: bool = False

    def active_at(self, now: datetime) -> bool:
        """True when this slot drives the inverter at RTC time `now`.

        The window is [start, end) in minutes of the day; an end of 23:59 includes the last
        minute, and a window whose end is before its start runs across midnight (the weekday
        of the current day is what counts).
        """
        if not self.enabled or not self.week_set & (1 << now.weekday()):
            return False
        minute = now.hour * 60 + now.minute
        start = _minutes(self.start)
        end = _minutes(self.end)
        if end == 23 * 60 + 59:
            end = 24 * 60
        if start <= end:
            return start <= minute < end
        return minute >= start or minute < end


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True, slots=True)
class EnergyCounters:
    """Lifetime totals in Wh. They only grow, except on a reboot that resets them."""

    grid_output: float = 0.0  # AC energy delivered by the battery (ES total_grid_output_energy)
    grid_input: float = 0.0  # AC energy absorbed by the battery (ES total_grid_input_energy)
    pv: float = 0.0  # PV energy harvested by the battery's own inputs
    meter_import: float = 0.0  # grid import seen by the CT (EM input_energy)
    meter_export: float = 0.0  # grid export seen by the CT (EM output_energy)
    charged: float = 0.0  # DC energy into the cells
    discharged: float = 0.0  # DC energy out of the cells


@dataclass(frozen=True, slots=True)
class Flows:
    """Instantaneous powers at one moment (W)."""

    consumption: float
    house_solar: float
    pv_channels: tuple[float, ...]
    ac_power: float
    offgrid_power: float
    battery_in: float
    grid_power: float

    @property
    def pv_power(self) -> float:
        return math.fsum(self.pv_channels)


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A snapshot of everything the simulated battery knows, for assertions."""

    device_time: datetime
    mode: Mode
    soc: int  # %
    remaining_energy: float  # Wh
    rated_capacity: float  # Wh
    battery_power: float  # W, Home Assistant sign: + = discharging, - = charging
    ac_power: float  # W, ongrid_power: + = delivering to AC
    offgrid_power: float  # W on the EPS socket
    pv_power: float  # W from the battery's own PV inputs
    pv_channels: tuple[float, ...]
    house_load: float  # W consumed by the house
    house_solar: float  # W from rooftop PV on another inverter
    grid_power: float  # W at the CT, + = import
    ct_connected: bool
    temperature: float  # °C
    passive_power: int  # W last written, + = discharge
    passive_remaining: float  # s left on the passive countdown (0 = expired)
    manual_periods: tuple[ManualPeriod, ...]
    dod: int  # %
    led: bool
    ble_adv: bool  # BLE advertising on (Ble.Adv enable=1)
    counters: EnergyCounters


@dataclass(slots=True)
class Settings:
    """What the user configured; survives a reboot unless the reboot wipes settings."""

    mode: Mode = Mode.AUTO
    manual_periods: list[ManualPeriod] = field(default_factory=list)
    passive_power: int = 0
    passive_deadline: float = 0.0  # clock.monotonic() when the countdown ends
    dod: int = DEFAULT_DOD
    led: bool = True
    ble_adv: bool = True  # a fresh EEPROM defaults to advertising on
