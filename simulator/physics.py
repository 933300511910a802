"""The battery's inner life: household load, PV, the operating modes, SOC and energy counters.

Units here are plain W, Wh, °C and %, with one sign convention for every internal power:

* ``ac_power`` (the Open API's ``ongrid_power``): + = the battery delivers to the AC side;
* ``battery_in`` (DC): + = energy flows into the cells (charging);
* ``grid_power`` (the CT meter): + = the house imports from the grid.

The wire encodings (scales, missing fields, signs of other fields) live in ``encode.py``.

Physics is integrated lazily: whenever someone looks (a request, or ``state``), the model is
stepped from the last update to the clock's "now" in steps of at most one RTC minute, cut at
the passive countdown's expiry. No background task or timer is needed, which keeps shutdown
clean and lets a `ScaledClock` run a simulated day in minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from .clock import Clock
from .profiles import DeviceProfile

DEFAULT_DOD = 88  # % depth of discharge: the battery stops discharging at 100 - 88 = 12 % SOC
MAX_STEP = 60.0  # s of simulated time per integration step
GRID_BIAS = 15.0  # W of import the self-consumption loop aims for
HOUSE_SOLAR_PEAK = 2200.0  # W of rooftop PV on a separate inverter (houses of AC-coupled models)


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


def _splitmix(value: int) -> int:
    """A small, fast integer hash: deterministic noise without a random generator."""
    value = (value + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return value ^ (value >> 31)


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


def _daylight(hour: float) -> float:
    """0 at night, 1 at solar noon (13:30), sunrise 06:00, sunset 21:00."""
    if hour <= 6.0 or hour >= 21.0:
        return 0.0
    sine: float = math.sin(math.pi * (hour - 6.0) / 15.0)
    return sine * math.sqrt(sine)  # sin^1.5: a flatter morning, a sharper noon


class Physics:
    """Deterministic household + battery model for one simulated device."""

    def __init__(
        self, profile: DeviceProfile, clock: Clock, seed: int, *, soc: float = 50.0
    ) -> None:
        self.profile = profile
        self.clock = clock
        self._seed = seed & 0xFFFFFFFF
        self.settings = Settings(manual_periods=self._blank_periods())
        self.remaining = profile.rated_capacity * min(max(soc, 0.0), 100.0) / 100.0
        self.counters = EnergyCounters()
        self.ct_connected = True
        self.offgrid_load = 0.0  # W drawn from the EPS socket
        # Test hooks: fixed values instead of the daily curves (None = follow the curve).
        self.house_load_override: float | None = None
        self.house_solar_override: float | None = None
        self.pv_override: float | None = None  # W in total, spread over the channels
        self._last = clock.monotonic()
        self._flows = self._flows_at(self._last, clock.now())

    # -- configuration ---------------------------------------------------------------------

    def _blank_periods(self) -> list[ManualPeriod]:
        return [ManualPeriod(slot=i) for i in range(self.profile.manual_slots)]

    def reset_settings(self) -> None:
        """Factory state: Auto, blank schedule, default DOD, LED and BLE advertising on."""
        self.settings = Settings(manual_periods=self._blank_periods())

    def reset_counters(self) -> None:
        self.counters = EnergyCounters()

    def set_soc(self, soc: float) -> None:
        """Jump the state of charge (test hook)."""
        self.advance()
        self.remaining = self.profile.rated_capacity * min(max(soc, 0.0), 100.0) / 100.0
        self._flows = self._flows_at(self._last, self.clock.now())

    def set_mode(self, mode: Mode) -> None:
        self.advance()
        self.settings.mode = mode
        self._refresh()

    def set_manual_period(self, period: ManualPeriod) -> None:
        """Write one slot and switch to Manual, as ES.SetMode does."""
        self.advance()
        self.settings.manual_periods[period.slot] = period
        self.settings.mode = Mode.MANUAL
        self._refresh()

    def set_passive(self, power: int, countdown: float) -> None:
        self.advance()
        self.settings.mode = Mode.PASSIVE
        self.settings.passive_power = power
        self.settings.passive_deadline = self._last + max(countdown, 0.0)
        self._refresh()

    def set_dod(self, dod: int) -> None:
        self.advance()
        self.settings.dod = dod
        self._refresh()

    def _refresh(self) -> None:
        self._flows = self._flows_at(self._last, self.clock.now())

    # -- the household ---------------------------------------------------------------------

    def _noise(self, key: int, minute: int) -> float:
        """Deterministic noise in [-1, 1) for one RTC minute."""
        return _splitmix(self._seed * 1_000_003 + key * 7919 + minute) / 2**63 - 1.0

    def _cloudiness(self, day: int) -> float:
        """Share of clear-sky PV reaching the panels on a given day (0.55..1.0)."""
        return 0.55 + 0.45 * (_splitmix(self._seed * 31 + day) / 2**64)

    def consumption(self, now: datetime) -> float:
        """House load in W: the daily curve plus quick flicker the battery cannot follow."""
        flicker = 0.0 if self.house_load_override is not None else self._flicker(now)
        return self.consumption_trend(now) + flicker

    def _flicker(self, now: datetime) -> float:
        bucket = (now.toordinal() * 86400 + now.hour * 3600 + now.minute * 60 + now.second) // 10
        return 25.0 * self._noise(2, bucket)

    def consumption_trend(self, now: datetime) -> float:
        """The slow part of the house load, which the inverter's control loop tracks."""
        if self.house_load_override is not None:
            return self.house_load_override
        hour = now.hour + now.minute / 60.0 + now.second / 3600.0
        minute = now.toordinal() * 1440 + now.hour * 60 + now.minute
        load = 180.0
        load += 450.0 * _bump(hour, 7.5, 0.8)  # breakfast
        load += 250.0 * _bump(hour, 12.5, 0.7)  # lunch
        load += 800.0 * _bump(hour, 19.0, 1.6)  # evening
        load += 90.0 if minute % 50 < 18 else 0.0  # the fridge compressor
        return max(load + 40.0 * self._noise(1, minute), 60.0)

    def house_solar(self, now: datetime) -> float:
        if self.profile.pv_channels:
            return 0.0  # the battery's own PV inputs take this role
        if self.house_solar_override is not None:
            return self.house_solar_override
        hour = now.hour + now.minute / 60.0 + now.second / 3600.0
        return HOUSE_SOLAR_PEAK * _daylight(hour) * self._cloudiness(now.toordinal())

    def pv_channels(self, now: datetime) -> tuple[float, ...]:
        count = self.profile.pv_channels
        if not count:
            return ()
        if self.pv_override is not None:
            return tuple(self.pv_override / count for _ in range(count))
        hour = now.hour + now.minute / 60.0 + now.second / 3600.0
        sun = _daylight(hour) * self._cloudiness(now.toordinal())
        # Panels of one installation rarely match: give each string its own share.
        shares = (1.0, 0.9, 0.8, 0.65)
        return tuple(self.profile.pv_peak * sun * shares[i % 4] for i in range(count))

    # -- the inverter ----------------------------------------------------------------------

    def manual_power(self, now: datetime) -> int | None:
        """Setpoint of the first manual slot active now (None: no slot is active)."""
        for period in self.settings.manual_periods:
            if period.active_at(now):
                return 0 if self.profile.manual_power_ignored else period.power
        return None

    def _flows_at(self, mono: float, now: datetime) -> Flows:
        profile = self.profile
        consumption = self.consumption(now)
        solar = self.house_solar(now)
        channels = self.pv_channels(now)
        pv = math.fsum(channels)
        offgrid = self.offgrid_load
        mode = self.settings.mode

        def self_consumption() -> float:
            # Zero the CT: cover the house's net demand (charge from surplus when negative),
            # aiming at a small import like the real control loop, which only sees the trend.
            if not self.ct_connected:
                return 0.0
            return self.consumption_trend(now) - solar - GRID_BIAS

        if mode in (Mode.AUTO, Mode.AI):
            target = self_consumption()
        elif mode is Mode.MANUAL:
            setpoint = self.manual_power(now)
            if setpoint is None:
                target = 0.0
            elif setpoint == -1:
                target = self_consumption()
            else:
                target = float(setpoint)
        elif mode is Mode.PASSIVE:
            active = mono < self.settings.passive_deadline
            target = float(self.settings.passive_power) if active else 0.0
        else:  # UPS: keep the cells full for the backup socket
            target = -profile.max_charge / 2.0

        ac = min(max(target, -float(profile.max_charge)), float(profile.max_discharge))
        battery_in = pv - ac - offgrid
        full = self.remaining >= profile.rated_capacity - 1e-6
        floor = profile.rated_capacity * (100 - self.settings.dod) / 100.0
        empty = self.remaining <= floor + 1e-6
        if (full and battery_in > 0) or (empty and battery_in < 0):
            # The BMS refuses: PV passes straight through, the AC setpoint gives way.
            ac = min(pv - offgrid, float(profile.max_discharge))
            if full and pv - offgrid > ac:
                scale = (ac + offgrid) / pv if pv > 0 else 0.0
                channels = tuple(c * scale for c in channels)  # MPPT curtails
                pv = math.fsum(channels)
            battery_in = pv - ac - offgrid
        grid = consumption - solar - ac
        return Flows(consumption, solar, channels, ac, offgrid, battery_in, grid)

    # -- integration -----------------------------------------------------------------------

    def advance(self) -> None:
        """Integrate from the last update to the clock's present."""
        target = self.clock.monotonic()
        if target <= self._last:
            # No time passed, but a setting or override may have changed the flows.
            self._flows = self._flows_at(self._last, self.clock.now())
            return
        rtc_now = self.clock.now()
        # RTC time at the last update: derived, so every step stays aligned to the clock.
        rtc = rtc_now - timedelta(seconds=target - self._last)
        mono = self._last
        while mono < target:
            step = min(target - mono, MAX_STEP - (rtc.second + rtc.microsecond / 1e6))
            deadline = self.settings.passive_deadline
            if mono < deadline < mono + step:
                step = deadline - mono
            step = max(step, 1e-6)
            self._integrate(self._flows_at(mono, rtc), step)
            mono += step
            rtc += timedelta(seconds=step)
        self._last = target
        self._flows = self._flows_at(target, rtc_now)

    def _integrate(self, flows: Flows, seconds: float) -> None:
        hours = seconds / 3600.0
        rated = self.profile.rated_capacity
        floor = rated * (100 - self.settings.dod) / 100.0
        before = self.remaining
        after = before + flows.battery_in * hours
        # Never push below the DOD floor by discharging, nor above full by charging.
        if flows.battery_in < 0:
            after = max(after, min(before, floor))
        after = min(max(after, 0.0), rated)
        stored = after - before
        self.remaining = after
        c = self.counters
        self.counters = EnergyCounters(
            grid_output=c.grid_output + max(flows.ac_power, 0.0) * hours,
            grid_input=c.grid_input + max(-flows.ac_power, 0.0) * hours,
            pv=c.pv + flows.pv_power * hours,
            meter_import=c.meter_import + max(flows.grid_power, 0.0) * hours,
            meter_export=c.meter_export + max(-flows.grid_power, 0.0) * hours,
            charged=c.charged + max(stored, 0.0),
            discharged=c.discharged + max(-stored, 0.0),
        )

    # -- readings --------------------------------------------------------------------------

    @property
    def flows(self) -> Flows:
        """Powers at the last update (call `advance` first)."""
        return self._flows

    @property
    def soc(self) -> int:
        return round(100.0 * self.remaining / self.profile.rated_capacity)

    def passive_remaining(self) -> float:
        return max(self.settings.passive_deadline - self._last, 0.0)

    def temperature(self) -> float:
        """Cell temperature in °C: a daily swing plus self-heating under load."""
        now = self.clock.now()
        hour = now.hour + now.minute / 60.0
        swing = 3.0 * math.sin(2.0 * math.pi * (hour - 9.0) / 24.0)
        load = abs(self._flows.battery_in) / 600.0
        return round(21.0 + swing + load + (self._seed % 5) * 0.4, 1)

    def snapshot(self) -> DeviceState:
        self.advance()
        flows = self._flows
        settings = self.settings
        return DeviceState(
            device_time=self.clock.now(),
            mode=settings.mode,
            soc=self.soc,
            remaining_energy=self.remaining,
            rated_capacity=self.profile.rated_capacity,
            battery_power=-flows.battery_in,
            ac_power=flows.ac_power,
            offgrid_power=flows.offgrid_power,
            pv_power=flows.pv_power,
            pv_channels=flows.pv_channels,
            house_load=flows.consumption,
            house_solar=flows.house_solar,
            grid_power=flows.grid_power,
            ct_connected=self.ct_connected,
            temperature=self.temperature(),
            passive_power=settings.passive_power,
            passive_remaining=self.passive_remaining(),
            manual_periods=tuple(settings.manual_periods),
            dod=settings.dod,
            led=settings.led,
            ble_adv=settings.ble_adv,
            counters=self.counters,
        )
