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
from datetime import datetime, timedelta

from .clock import Clock
from .household import flicker, load_trend, pv_strings, rooftop_solar
from .load_profile import Household
from .profiles import DeviceProfile
from .state import DeviceState, EnergyCounters, Flows, ManualPeriod, Mode, Settings

MAX_STEP = 60.0  # s of simulated time per integration step
GRID_BIAS = 15.0  # W of import the self-consumption loop aims for


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
        # A scripted household (load_profile.py) instead of the daily curves (None: curves).
        self.household: Household | None = None
        # Set while the battery follows an external meter (meter_follower.py): the AC setpoint
        # its own control loop chose; it replaces the built-in CT model in self-consumption.
        self.meter_setpoint: float | None = None
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

    def set_household(self, household: Household | None) -> None:
        """Take load and PV from `household` (t = 0 now unless anchored); None: the curves."""
        self.advance()
        self.household = None if household is None else household.anchored(self.clock.now())
        self._refresh()

    def set_meter_setpoint(self, watts: float | None) -> None:
        """The AC setpoint chosen by a meter-following loop (None: the built-in CT model)."""
        self.advance()
        self.meter_setpoint = watts
        self._refresh()

    def _refresh(self) -> None:
        self._flows = self._flows_at(self._last, self.clock.now())

    # -- the household ---------------------------------------------------------------------

    def consumption(self, now: datetime) -> float:
        """House load in W: the daily curve plus quick flicker the battery cannot follow."""
        scripted = self.house_load_override is not None or self.household is not None
        quick = 0.0 if scripted else flicker(self._seed, now)
        return self.consumption_trend(now) + quick

    def consumption_trend(self, now: datetime) -> float:
        """The slow part of the house load, which the inverter's control loop tracks."""
        if self.house_load_override is not None:
            return self.house_load_override
        if self.household is not None:
            return self.household.load(now)
        return load_trend(self._seed, now)

    def house_solar(self, now: datetime) -> float:
        if self.profile.pv_channels:
            return 0.0  # the battery's own PV inputs take this role
        if self.house_solar_override is not None:
            return self.house_solar_override
        if self.household is not None:
            return self.household.solar(now)
        return rooftop_solar(self._seed, now)

    def pv_channels(self, now: datetime) -> tuple[float, ...]:
        count = self.profile.pv_channels
        if not count:
            return ()
        if self.pv_override is not None:
            return tuple(self.pv_override / count for _ in range(count))
        if self.household is not None:
            return tuple(self.household.solar(now) / count for _ in range(count))
        return pv_strings(self._seed, now, self.profile.pv_peak, count)

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
            # A battery following a meter uses the setpoint its own loop chose instead.
            if self.meter_setpoint is not None:
                return self.meter_setpoint
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
