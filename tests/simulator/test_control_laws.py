"""The battery's control laws (doc §3) and the scripted household, without a network."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from simulator import (
    Appliance,
    Household,
    IntegratorLaw,
    LawName,
    ManualClock,
    PvRamp,
    RampLaw,
    SimulatedBattery,
    SlewLaw,
    Step,
    WashingMachine,
    demo_household,
    kettle,
    make_law,
)


def _run_ramp(law: RampLaw, grid: float, polls: int, interval: float = 1.0) -> list[float]:
    """Close a loop on a constant load of `grid` W: return the output after each poll."""
    output, outputs = 0.0, []
    for n in range(polls):
        setpoint = law.step(grid - output, output, n * interval)
        output = output if setpoint is None else setpoint
        outputs.append(output)
    return outputs


def test_hmg50_ramp_gates_and_grows_its_steps() -> None:
    outputs = _run_ramp(RampLaw(), 500.0, 16)
    # One step per 3 s gate: 50, then 100, 100, 200, and never more than the error.
    assert outputs[0] == 50.0
    assert outputs[1] == outputs[2] == 50.0
    assert [outputs[i] for i in (3, 6, 9, 12, 15)] == [150.0, 250.0, 450.0, 500.0, 500.0]


def test_hmg50_deadband_and_import_hold() -> None:
    law = RampLaw()
    assert law.step(20.0, 100.0, 0.0) is None
    assert law.step(-20.0, 100.0, 10.0) is None
    assert law.step(-21.0, 100.0, 20.0) == 79.0
    assert RampLaw(deadband=5.0).step(9.0, 0.0, 0.0) is None  # 0 <= g < 10 W import holds
    assert RampLaw(clamp=2500.0).step(-400.0, -2450.0, 0.0) == -2500.0


def test_direction_change_restarts_the_ramp() -> None:
    law = RampLaw()
    assert law.step(1000.0, 0.0, 0.0) == 50.0
    assert law.step(1000.0, 50.0, 3.0) == 150.0
    assert law.step(-1000.0, 150.0, 6.0) == 100.0
    law.reset()
    assert law.step(1000.0, 0.0, 6.5) == 50.0


def test_vnse3_choice_has_a_10_w_deadband_and_whole_watts() -> None:
    law = make_law(LawName.VNSE3)
    assert isinstance(law, RampLaw)
    assert law.step(10.0, 0.0, 0.0) is None
    assert law.step(11.4, 0.2, 0.0) == 12.0  # 0.2 + 11.4, rounded to a whole watt


def test_vnsd_integrator_takes_the_error_minus_5_w() -> None:
    law = IntegratorLaw()
    assert law.step(500.0, 0.0, 0.0) == 495.0
    assert law.step(11.0, 495.0, 1.0) is None
    assert law.step(-3000.0, 0.0, 2.0) == -800.0
    assert IntegratorLaw(ratio=0.5).step(500.0, 0.0, 0.0) == 245.0
    assert make_law(LawName.VNSD, deadband=15.0).step(15.0, 0.0, 0.0) is None


def test_b2500_slews_17_w_per_cycle_above_its_minimum() -> None:
    law = SlewLaw()
    assert law.step(500.0, 200.0, 0.0) == 217.0
    assert law.step(-500.0, 90.0, 1.0) == 80.0
    assert law.step(10.0, 200.0, 2.0) is None


def test_household_events_and_pv_ramps() -> None:
    house = Household(
        base_load=200.0,
        events=(Step(10.0, 500.0), kettle(20.0), WashingMachine(200.0)),
        pv=(PvRamp(50.0, 60.0, 0.0, 1000.0), PvRamp(0.0, 10.0, 0.0, 100.0)),
    )
    assert [house.load_at(t) for t in (0.0, 10.0, 20.0, 169.0, 170.0)] == [
        200.0,
        700.0,
        2700.0,
        2700.0,
        700.0,
    ]
    assert house.load_at(200.0 + 120.0) == 2700.0  # the machine heats after filling
    assert house.load_at(200.0 + 120.0 + 600.0 + 30.0) == 700.0 + 350.0  # drum, second half
    assert [house.pv_at(t) for t in (5.0, 30.0, 55.0, 90.0)] == [50.0, 100.0, 500.0, 1000.0]
    assert Appliance(0.0, 5.0, 300.0).load(5.0) == 0.0


def test_a_battery_takes_load_and_pv_from_its_household() -> None:
    clock = ManualClock()
    battery = SimulatedBattery("venus_e3_150", "127.0.11.5", clock=clock)
    battery.set_household(Household(300.0, pv=(PvRamp(0.0, 100.0, 0.0, 1000.0),)))
    clock.advance(50.0)
    state = battery.state
    assert (state.house_load, state.house_solar) == (300.0, 500.0)
    anchored = demo_household().anchored(datetime(2026, 6, 1, 12, 0))
    assert anchored.load(datetime(2026, 6, 1, 12, 0) + timedelta(minutes=12)) == pytest.approx(
        250.0 + 500.0 + 2000.0
    )
    dc = SimulatedBattery("venus_d_150", "127.0.11.6", clock=clock)
    dc.set_household(Household(300.0, base_pv=400.0))
    assert dc.state.pv_power == pytest.approx(400.0)
    assert dc.state.house_solar == 0.0
    battery.set_household(None)
    assert battery.physics.household is None
