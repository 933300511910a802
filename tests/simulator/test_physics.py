"""Physics on the simulated clock: SOC, modes, countdowns, schedules and energy counters.

Most tests drive `Physics` directly with a `ManualClock`: no sockets, no waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from simulator import ManualClock, ManualPeriod, Mode, ScaledClock, SimulatedBattery
from simulator.encode import em_status, es_status
from simulator.physics import Physics
from simulator.profiles import get_profile

from .conftest import BatteryFactory
from .udp import RawClient, passive_params

MONDAY_6AM = datetime(2026, 6, 1, 6, 0)  # a Monday
HOUR = 3600.0


def _physics(
    key: str = "venus_e3_150", soc: float = 50.0, start: datetime = MONDAY_6AM, seed: int = 1
) -> tuple[Physics, ManualClock]:
    clock = ManualClock(start)
    physics = Physics(get_profile(key), clock, seed, soc=soc)
    physics.house_load_override = 400.0
    physics.house_solar_override = 0.0
    return physics, clock


def test_passive_charge_raises_soc() -> None:
    physics, clock = _physics(soc=50)
    physics.set_passive(-1024, HOUR * 2)
    clock.advance(HOUR)
    state = physics.snapshot()
    assert state.remaining_energy == pytest.approx(2560 + 1024)
    assert state.soc == 70
    assert state.battery_power == pytest.approx(-1024)  # HA sign: negative = charging
    assert state.counters.charged == pytest.approx(1024)
    assert state.counters.grid_input == pytest.approx(1024)
    assert state.grid_power == pytest.approx(400 + 1024)  # the house imports for both


def test_passive_countdown_expires_to_zero_but_stays_passive() -> None:
    physics, clock = _physics(soc=80)
    physics.set_passive(600, 600)
    clock.advance(300)
    assert physics.snapshot().ac_power == 600
    assert physics.snapshot().passive_remaining == pytest.approx(300)
    clock.advance(3000)
    state = physics.snapshot()
    assert state.mode is Mode.PASSIVE
    assert state.ac_power == 0
    assert state.passive_remaining == 0
    # Integration is cut exactly at the deadline: 600 W for 600 s.
    assert state.counters.discharged == pytest.approx(100)


def test_charging_stops_when_full() -> None:
    physics, clock = _physics(soc=99)
    physics.set_passive(-2500, 2 * HOUR)
    clock.advance(HOUR)
    state = physics.snapshot()
    assert state.soc == 100
    assert state.remaining_energy == pytest.approx(5120)
    assert state.battery_power == 0
    assert state.ac_power == 0


def test_discharge_stops_at_depth_of_discharge() -> None:
    physics, clock = _physics(soc=20)
    physics.set_passive(2500, 2 * HOUR)
    clock.advance(HOUR)
    state = physics.snapshot()
    assert state.soc == 12  # DOD 88 %
    assert state.ac_power == 0
    physics.set_soc(80)
    physics.set_dod(50)
    clock.advance(HOUR)
    assert physics.snapshot().soc == 50


def test_auto_zeroes_the_grid() -> None:
    physics, clock = _physics(soc=50)
    clock.advance(60)
    state = physics.snapshot()
    assert state.ac_power == pytest.approx(385)  # 400 W load, aiming at 15 W import
    assert state.grid_power == pytest.approx(15)
    physics.house_solar_override = 2000.0
    clock.advance(60)
    state = physics.snapshot()
    assert state.ac_power == pytest.approx(400 - 2000 - 15)  # charging from the surplus
    assert state.battery_power < 0


def test_auto_without_ct_does_nothing() -> None:
    physics, clock = _physics(soc=50)
    physics.ct_connected = False
    clock.advance(60)
    assert physics.snapshot().ac_power == 0
    assert em_status(0, physics.profile, physics)["ct_state"] == 0


def test_manual_period_runs_on_the_device_clock() -> None:
    physics, clock = _physics(soc=50)
    tuesday = 1 << 1
    physics.set_manual_period(ManualPeriod(0, "08:00", "09:00", tuesday, 800, True))
    clock.advance(2.5 * HOUR)  # Monday 08:30: wrong day
    assert physics.snapshot().ac_power == 0
    clock.advance(24 * HOUR)  # Tuesday 08:30
    state = physics.snapshot()
    assert state.device_time == datetime(2026, 6, 2, 8, 30)
    assert state.ac_power == 800
    clock.advance(HOUR)  # Tuesday 09:30
    assert physics.snapshot().ac_power == 0


def test_manual_overnight_and_self_consumption_slots() -> None:
    physics, clock = _physics(soc=50, start=datetime(2026, 6, 1, 23, 0))
    physics.set_manual_period(ManualPeriod(0, "22:00", "02:00", 127, -1000, True))
    physics.set_manual_period(ManualPeriod(1, "02:00", "05:00", 127, -1, True))
    assert physics.snapshot().ac_power == -1000
    clock.advance(2 * HOUR)  # 01:00
    assert physics.snapshot().ac_power == -1000
    clock.advance(2 * HOUR)  # 03:00: "-1" means self-consumption
    assert physics.snapshot().ac_power == pytest.approx(385)
    clock.advance(3 * HOUR)  # 06:00: no slot
    assert physics.snapshot().ac_power == 0


def test_disabled_period_is_ignored() -> None:
    physics, clock = _physics()
    physics.set_manual_period(ManualPeriod(0, "00:00", "23:59", 127, 500, False))
    clock.advance(60)
    assert physics.snapshot().ac_power == 0


def test_mini_ignores_manual_power() -> None:
    physics, clock = _physics("venus_mini_300")
    physics.set_manual_period(ManualPeriod(0, "00:00", "23:59", 127, 500, True))
    clock.advance(60)
    assert physics.snapshot().ac_power == 0


def test_ups_charges_until_full() -> None:
    physics, clock = _physics(soc=90)
    physics.set_mode(Mode.UPS)
    clock.advance(60)
    assert physics.snapshot().ac_power == -1250
    clock.advance(2 * HOUR)
    state = physics.snapshot()
    assert state.soc == 100
    assert state.ac_power == 0


def test_venus_a_pv_charges_through_the_day() -> None:
    physics, clock = _physics("venus_a_149", soc=20, start=datetime(2026, 6, 1, 10, 0))
    physics.house_load_override = None
    clock.advance(3 * HOUR)
    state = physics.snapshot()
    assert state.pv_power > 300
    assert len(state.pv_channels) == 4
    assert state.counters.pv > 500
    assert state.soc > 20


def test_counters_monotonic_over_a_day_and_soc_moves() -> None:
    physics, clock = _physics(soc=50)
    physics.house_load_override = physics.house_solar_override = None  # daily curves
    profile = physics.profile
    last: dict[str, int] = {}
    socs = []
    for _ in range(24 * 60 // 7):
        clock.advance(7 * 60)
        physics.advance()
        raw = {**es_status(0, profile, physics), **em_status(0, profile, physics)}
        socs.append(raw["bat_soc"])
        for key in ("total_grid_output_energy", "total_grid_input_energy", "input_energy",
                    "output_energy"):  # fmt: skip
            assert raw[key] >= last.get(key, 0), key
            last[key] = raw[key]
    assert 12 <= min(socs) < max(socs) <= 100
    assert max(socs) - min(socs) > 10
    assert last["total_grid_input_energy"] > 0  # charged from the rooftop surplus
    assert last["total_grid_output_energy"] > 0


def test_same_seed_same_day() -> None:
    runs = []
    for _ in range(2):
        physics, clock = _physics(seed=42)
        physics.house_load_override = physics.house_solar_override = None
        clock.advance(24 * HOUR)
        runs.append(physics.snapshot())
    assert runs[0] == runs[1]


def test_scaled_clock() -> None:
    real = [100.0]
    clock = ScaledClock(60.0, MONDAY_6AM, real_monotonic=lambda: real[0])
    real[0] += 2.0
    assert clock.monotonic() == pytest.approx(120.0)
    assert clock.now() == MONDAY_6AM + timedelta(minutes=2)
    clock.time_scale = 1.0  # no jump when the scale changes
    assert clock.monotonic() == pytest.approx(120.0)
    real[0] += 1.0
    assert clock.monotonic() == pytest.approx(121.0)
    with pytest.raises(ValueError):
        ScaledClock(0)
    with pytest.raises(ValueError):
        ManualClock().advance(-1)


async def test_reboot_resets_counters_only_when_asked(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    clock = ManualClock(MONDAY_6AM)
    battery = await make_battery(clock=clock, reboot_duration=0.0, soc=80)
    battery.set_house_load(500)
    battery.set_house_solar(0)
    clock.advance(HOUR)
    es = (await client.call(battery.address, "ES.GetStatus"))["result"]
    assert es["total_grid_output_energy"] == pytest.approx(485, abs=1)
    battery.reboot()
    es = (await client.call(battery.address, "ES.GetStatus"))["result"]
    assert es["total_grid_output_energy"] == pytest.approx(485, abs=1)
    battery.reboot(reset_counters=True)
    es = (await client.call(battery.address, "ES.GetStatus"))["result"]
    assert es["total_grid_output_energy"] == 0
    assert battery.state.soc == es["bat_soc"]


async def test_passive_over_the_wire_on_a_fast_clock(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    """A scaled clock runs simulated hours between two requests."""
    real = [0.0]
    clock = ScaledClock(3600.0, MONDAY_6AM, real_monotonic=lambda: real[0])
    battery = await make_battery(clock=clock, soc=50)
    await client.call(battery.address, "ES.SetMode", passive_params(-1000, 1800))
    real[0] += 1.0  # one simulated hour
    mode = (await client.call(battery.address, "ES.GetMode"))["result"]
    assert mode["mode"] == "Passive"
    assert mode["ongrid_power"] == 0  # countdown over
    assert mode["bat_soc"] == 60  # +500 Wh of 5120


def test_battery_defaults() -> None:
    battery = SimulatedBattery()
    assert battery.profile.key == "venus_e3_150"
    assert battery.address == ("127.0.0.2", 30000)
    assert battery.src == f"VenusE 3.0-{battery.ble_mac}"
    assert "venus_e3_150" in repr(battery)
    assert not battery.running
    state = battery.state
    assert state.mode is Mode.AUTO
    assert (state.dod, state.led, state.ble_adv) == (88, True, True)
    with pytest.raises(KeyError, match="unknown simulator profile"):
        SimulatedBattery("venus_x_1")
