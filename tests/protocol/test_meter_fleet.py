"""Estimated outputs between reads (response.py) and the hold at zero of FleetShares (fleet.py).

Signs: a grid value is + import, a battery's output + discharge, and a battery's loop adds the
value it is answered to its output (answer +100 W: output +100 W).
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    Family,
    FleetShares,
    Follower,
    MeterReading,
    SplitMember,
    meter_shares,
)
from custom_components.marstek_venus.pymarstek_venus.meter.fleet import HOLD_MARGIN_W
from custom_components.marstek_venus.pymarstek_venus.meter.response import (
    SURE_CAPS,
    GatedRamp,
    Integrator,
    ResponseModel,
    response_model,
)

EPS = 1e-6
FAMILIES: tuple[Family | None, ...] = (*Family, None)  # every model, and no model


def battery(
    key: str,
    output: float | None,
    family: Family | None = None,
    read_at: float | None = 0.0,
    *,
    available: float = 1000.0,
    discharge_w: int = 2500,
    charge_w: int = 2500,
) -> Follower:
    """A follower with 1 kWh either way unless told, read at ``read_at``."""
    member = SplitMember(key, available, 1000.0, discharge_w, charge_w)
    return Follower(key, member, output, read_at, family)


def answered(fleet: FleetShares, grid: float, followers: list[Follower]) -> dict[str, float]:
    return {key: r.total for key, r in fleet.shares(MeterReading(grid), followers).items()}


def known(fleet: FleetShares, key: str) -> float:
    value = fleet.estimate(key)
    assert value is not None
    return value


# --- response.py -------------------------------------------------------------------------


@pytest.mark.parametrize("grid", [20.0, -20.0, 0.0, 5.0, 9.9, -19.9])
def test_ramp_holds_inside_its_deadband(grid: float) -> None:
    assert GatedRamp().respond(grid, 300.0, 0.0) == 300.0


def test_ramp_holds_small_imports_below_its_hold() -> None:
    """The ±20 W deadband covers it by default; a narrower one shows it on its own."""
    assert GatedRamp(deadband=5.0).respond(8.0, 0.0, 0.0) == 0.0
    assert GatedRamp(deadband=5.0).respond(-8.0, 0.0, 0.0) == -8.0
    assert GatedRamp(deadband=5.0).respond(10.0, 0.0, 0.0) == 10.0


def test_ramp_steps_once_per_gate() -> None:
    ramp = GatedRamp()
    assert ramp.respond(30.0, 0.0, 100.0) == 30.0  # |g| below the cap: the step is |g|
    assert ramp.respond(500.0, 30.0, 101.0) == 30.0  # gate closed
    assert ramp.respond(500.0, 30.0, 102.9) == 30.0
    assert ramp.respond(500.0, 30.0, 103.0) == 130.0  # gate open again, second cap


def test_ramp_caps_grow_with_the_direction_count_and_restart_on_a_change() -> None:
    ramp, output, steps = GatedRamp(), 0.0, []
    for index in range(6):
        moved = ramp.respond(2000.0, output, 3.0 * index)
        steps.append(moved - output)
        output = moved
    assert tuple(steps) == (*SURE_CAPS, SURE_CAPS[-1]) == (50, 100, 100, 200, 400, 400)
    assert ramp.respond(-2000.0, output, 18.0) == output - 50.0  # other direction: count 1
    assert ramp.respond(-2000.0, output - 50.0, 21.0) == output - 150.0
    assert ramp.respond(5.0, 0.0, 24.0) == 0.0  # deadband: counter back to 0
    assert ramp.respond(-2000.0, 0.0, 27.0) == -50.0


def test_ramp_sure_step_is_the_cap_of_the_next_step() -> None:
    ramp = GatedRamp()
    assert ramp.sure_step(1000.0) == ramp.sure_step(-1000.0) == 50.0
    output = 0.0
    for index, cap in enumerate((100.0, 100.0, 200.0, 400.0, 400.0)):
        output = ramp.respond(1000.0, output, 3.0 * index)
        assert ramp.sure_step(1000.0) == cap
        assert ramp.sure_step(-1000.0) == 50.0  # a change of direction starts again at 1


def test_e3_ramp_has_a_10_w_deadband_and_whole_watts() -> None:
    e3 = response_model(Family.VENUS_E3)
    assert isinstance(e3, GatedRamp)
    assert e3.respond(10.0, 100.0, 0.0) == 100.0
    assert e3.respond(-10.0, 100.0, 0.0) == 100.0
    assert e3.respond(12.4, 100.2, 0.0) == 113.0  # 112.6, whole watts
    assert e3.respond(-300.6, 113.0, 3.0) == 63.0  # direction change: cap 50
    assert e3.respond(-30.6, 113.0, 6.0) == 82.0  # |g| below the cap, rounded (82.4)
    assert e3.sure_step(-100.0) == 100.0


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        (Family.VENUS_E2, GatedRamp()),
        (Family.VENUS_C, GatedRamp()),
        (Family.VENUS_E3, GatedRamp(deadband=10.0, hold_import_below=0.0, whole_watts=True)),
        (Family.VENUS_D, Integrator(deadband=11.0, bias=5.0)),
        (Family.VENUS_A, Integrator()),
        (Family.VENUS_MINI, Integrator()),
        (Family.UNKNOWN, Integrator()),
        (None, Integrator()),
    ],
)
def test_each_family_gets_its_model(family: Family | None, expected: ResponseModel) -> None:
    assert response_model(family) == expected


def test_venus_d_integrates_the_error_less_5_w_outside_11_w() -> None:
    venus_d = response_model(Family.VENUS_D)
    assert venus_d.respond(11.0, 100.0, 0.0) == venus_d.respond(-11.0, 100.0, 0.0) == 100.0
    assert venus_d.respond(12.0, 100.0, 0.0) == 107.0
    assert venus_d.respond(-12.0, 100.0, 0.0) == 83.0
    assert venus_d.respond(-300.0, 300.0, 0.0) == -5.0  # no gate: every value, same time
    assert venus_d.sure_step(1e6) == venus_d.sure_step(-1e6) == math.inf


def test_unknown_model_integrates_without_bias_outside_10_w() -> None:
    model = response_model(None)
    assert model.respond(10.0, 50.0, 0.0) == model.respond(-10.0, 50.0, 0.0) == 50.0
    assert model.respond(10.5, 50.0, 0.0) == 60.5
    assert model.respond(-400.0, 50.0, 0.0) == -350.0
    assert model.sure_step(-5000.0) == math.inf


# --- fleet.py: shares ----------------------------------------------------------------------


def test_a_lone_follower_is_answered_the_whole_grid() -> None:
    """Even a fresh ramp (sure step 50 W): one follower's grid is neither cut nor capped."""
    grid = MeterReading(1500.0, -20.0, 3.0)
    lone = battery("10.0.0.2", 100.0, Family.VENUS_E2)
    assert FleetShares().shares(grid, [lone]) == {"10.0.0.2": grid}


@pytest.mark.parametrize(
    ("grid", "outputs"),
    [
        (300.0, ((Family.VENUS_D, 400.0), (None, 600.0))),
        (600.0, ((Family.VENUS_D, 500.0), (Family.VENUS_A, 300.0), (None, 200.0))),
        (-900.0, ((Family.VENUS_D, -400.0), (None, -400.0), (Family.VENUS_MINI, -100.0))),
    ],
)
def test_uncut_shares_are_meter_shares_and_add_up(
    grid: float, outputs: tuple[tuple[Family | None, float], ...]
) -> None:
    followers = [battery(f"k{i}", out, fam) for i, (fam, out) in enumerate(outputs)]
    shares = FleetShares().shares(MeterReading(grid), followers)
    assert shares == meter_shares(MeterReading(grid), followers)
    assert sum(r.total for r in shares.values()) == pytest.approx(grid, abs=1e-6)
    assert all(r.total * grid > 0 for r in shares.values())  # no one against the fleet


def test_a_discharging_fleet_stops_a_battery_at_zero_never_past() -> None:
    fleet = FleetShares()
    small = battery("small", 100.0, available=9000.0)  # most of the weight, little output
    big = battery("big", 1500.0)
    unheld = meter_shares(MeterReading(-400.0), [small, big])
    assert unheld["small"].total < -100.0  # what the split alone would ask of it
    shares = fleet.shares(MeterReading(-400.0), [small, big])
    assert shares["small"].total == pytest.approx(-100.0)
    assert shares["big"] == unheld["big"]
    fleet.told(small, shares["small"], 0.0)
    assert fleet.estimate("small") == pytest.approx(0.0)
    assert answered(fleet, -400.0, [small, big])["small"] == 0.0


def test_a_fleet_swinging_to_charge_holds_the_fast_battery_until_the_ramp_is_near_zero() -> None:
    """Venus D +300 W, E 2.0 +800 W, 900 W of PV surplus: the grid shows -2000 W at first."""
    fleet = FleetShares()
    fast = battery("d", 300.0, Family.VENUS_D)
    slow = battery("e", 800.0, Family.VENUS_E2)
    now, time, ramp, crossed = {"d": 300.0, "e": 800.0}, 0.0, [800.0], []
    for _ in range(24):
        shares = answered(fleet, -900.0 - sum(now.values()), [fast, slow])
        if time == 0.0:  # both behind: each comes to zero at most, the ramp by 50 W at first
            assert shares == pytest.approx({"d": -300.0, "e": -50.0})
        after = now["d"] + shares["d"]
        if now["e"] > HOLD_MARGIN_W:
            assert after >= min(now["d"], 0.0) - EPS
        else:
            crossed.append(after)
        fleet.told(fast, MeterReading(shares["d"]), time)
        fleet.told(slow, MeterReading(shares["e"]), time)
        now = {"d": known(fleet, "d"), "e": known(fleet, "e")}
        if now["e"] != ramp[-1]:
            ramp.append(now["e"])
        time += 1.5  # two polls per 3 s gate
    # The ramp walked its caps down, then halved the way to zero, then took the last bit
    # whole; the Venus D waits at its 5 W bias below zero until reads confirm both.
    assert ramp == [800.0, 750.0, 650.0, 550.0, 350.0, 175.0, 87.5, 43.75, 0.0]
    assert not crossed or min(crossed) >= -5.0 - EPS
    assert fleet.unconfirmed() == {"d", "e"}  # both came back from discharging
    reads = [battery("d", -5.0, Family.VENUS_D, 1.0), battery("e", 0.0, Family.VENUS_E2, 1.0)]
    shares = answered(fleet, -900.0 - sum(now.values()), reads)
    assert fleet.unconfirmed() == set()
    assert shares["d"] < -300.0  # confirmed at zero: the Venus D takes its part of the charge


@pytest.mark.parametrize(("other", "held"), [(HOLD_MARGIN_W + 5.0, True), (15.0, False)])
def test_the_hold_ends_once_the_others_are_within_the_margin(other: float, held: bool) -> None:
    shares = answered(
        FleetShares(), -2000.0, [battery("d", 300.0, Family.VENUS_D), battery("o", other)]
    )
    assert (shares["d"] == pytest.approx(-300.0)) is held
    assert shares["o"] == pytest.approx(-other)  # the Venus D is behind: "o" stops at zero
    if not held:
        assert shares["d"] < -300.0


def test_ramp_answers_never_exceed_their_sure_step() -> None:
    fleet = FleetShares()
    pair = [battery("a", 0.0, Family.VENUS_E2), battery("b", 0.0, Family.VENUS_C)]
    for time, grid, cap in ((0.0, 2000.0, 50.0), (3.0, 1900.0, 100.0), (6.0, -3000.0, 50.0)):
        shares = fleet.shares(MeterReading(grid), pair)
        for follower in pair:
            assert math.copysign(1.0, shares[follower.key].total) == math.copysign(1.0, grid)
            assert abs(shares[follower.key].total) == pytest.approx(cap)
            fleet.told(follower, shares[follower.key], time)
    assert fleet.estimate("a") == fleet.estimate("b") == 100.0  # 50 + 100 - 50


# --- fleet.py: estimates and samples -------------------------------------------------------


def test_a_new_read_restarts_the_estimate_and_the_same_read_keeps_it() -> None:
    fleet = FleetShares()
    venus_d = battery("d", 300.0, Family.VENUS_D, read_at=0.0)
    fleet.told(venus_d, MeterReading(-300.0), 0.0)  # never observed: nothing to move
    assert fleet.estimate("d") is None
    fleet.shares(MeterReading(0.0), [venus_d])
    fleet.told(venus_d, MeterReading(-300.0), 1.0)
    assert fleet.estimate("d") == -5.0
    fleet.shares(MeterReading(0.0), [venus_d])  # the same read: the moved estimate stays
    assert fleet.estimate("d") == -5.0
    fleet.shares(MeterReading(0.0), [replace(venus_d, output_w=999.0, read_at=None)])
    assert fleet.estimate("d") == -5.0  # read_at None: the same reading as before
    fleet.shares(MeterReading(0.0), [replace(venus_d, output_w=250.0, read_at=60.0)])
    assert fleet.estimate("d") == 250.0


def test_an_unknown_output_has_no_estimate_and_holds_no_one() -> None:
    near = [battery("a", 10.0), battery("b", 10.0, Family.VENUS_D)]
    fleet = FleetShares()
    blind = battery("x", None, Family.VENUS_E2)
    shares = fleet.shares(MeterReading(-2000.0), [*near, blind])
    assert fleet.estimate("x") is None
    fleet.told(blind, shares["x"], 0.0)
    assert fleet.estimate("x") is None
    assert all(shares[f.key].total < -10.0 for f in near)  # both cross: nobody holds them
    seen = FleetShares().shares(MeterReading(-2000.0), [*near, replace(blind, output_w=800.0)])
    assert all(seen[f.key].total == pytest.approx(-10.0) for f in near)  # now held at zero


def test_estimates_stay_within_the_member_limits() -> None:
    fleet = FleetShares()
    venus_d = battery("d", 700.0, Family.VENUS_D, discharge_w=800, charge_w=600)
    fleet.shares(MeterReading(0.0), [venus_d])
    fleet.told(venus_d, MeterReading(500.0), 0.0)
    assert fleet.estimate("d") == 800.0
    fleet.told(venus_d, MeterReading(-2000.0), 1.0)
    assert fleet.estimate("d") == -600.0


def test_forget_drops_the_estimate_and_the_model() -> None:
    fleet = FleetShares()
    ramp = battery("e", 0.0, Family.VENUS_E2, read_at=5.0)
    fleet.shares(MeterReading(0.0), [ramp])
    fleet.told(ramp, MeterReading(1000.0), 10.0)
    fleet.told(ramp, MeterReading(1000.0), 11.0)  # inside the gate: no step
    assert fleet.estimate("e") == 50.0
    fleet.forget("e")
    fleet.forget("never-seen")
    assert fleet.estimate("e") is None
    fleet.shares(MeterReading(0.0), [ramp])  # the same read, but started anew
    assert fleet.estimate("e") == 0.0
    fleet.told(ramp, MeterReading(1000.0), 11.5)  # a fresh ramp: no gate, first cap
    assert fleet.estimate("e") == 50.0


def test_the_same_sample_is_answered_less_what_the_batteries_moved_since() -> None:
    fleet = FleetShares()
    venus_d, other = battery("d", 1000.0, Family.VENUS_D), battery("o", 1000.0)
    grid = MeterReading.single(200.0, phase=1)

    def total(sample_at: float) -> float:
        shares = fleet.shares(grid, [venus_d, other], sample_at=sample_at)
        assert all(r.a == 0.0 and r.c == 0.0 for r in shares.values())  # stays on phase B
        return sum(r.total for r in shares.values())

    assert total(1.0) == pytest.approx(200.0)
    # Told -300 W, the Venus D gave 305 W less (its 5 W bias): the grid imports that much more.
    fleet.told(venus_d, MeterReading(-300.0), 1.2)
    assert total(1.0) == pytest.approx(505.0)
    fleet.told(other, MeterReading(100.0), 1.4)
    assert total(1.0) == pytest.approx(405.0)
    assert total(2.0) == pytest.approx(200.0)  # a new sample already shows the movement


# --- the rule, on random fleets ------------------------------------------------------------


def random_fleet(rng: random.Random) -> list[Follower]:
    fleet = []
    for index in range(rng.randint(2, 4)):
        key = f"10.0.0.{index + 2}"
        most, least = rng.choice((800, 1200, 2500)), rng.choice((800, 1200, 2500))
        member = SplitMember(key, rng.uniform(0.0, 5000.0), rng.uniform(0.0, 5000.0), most, least)
        output = None if rng.random() < 0.1 else rng.uniform(-least, most)
        fleet.append(Follower(key, member, output, 0.0, rng.choice(FAMILIES)))
    return fleet


def random_grid(rng: random.Random) -> MeterReading:
    total = rng.uniform(-3000.0, 3000.0)
    if rng.random() < 0.7:
        return MeterReading.single(total, rng.randint(0, 2))
    part = rng.uniform(0.0, 1.0)
    return MeterReading(total * part, total * (1.0 - part) / 2, total * (1.0 - part) / 2)


def check_round(
    fleet: FleetShares,
    grid: MeterReading,
    followers: list[Follower],
    mirrors: dict[str, ResponseModel],
) -> dict[str, MeterReading]:
    shares = fleet.shares(grid, followers)
    estimates = {f.key: fleet.estimate(f.key) for f in followers}
    outputs = {key: value for key, value in estimates.items() if value is not None}
    for key in outputs:
        if isinstance(mirrors[key], GatedRamp):
            assert abs(shares[key].total) <= mirrors[key].sure_step(shares[key].total) + EPS
    direction = sum(outputs.values()) + grid.total
    if direction == 0.0 or len(outputs) < 2:
        return shares
    sign = math.copysign(1.0, direction)
    for key, output in outputs.items():
        before, after = sign * output, sign * (output + shares[key].total)
        assert after >= min(before, 0.0) - EPS, (key, outputs, grid, shares)
        behind = [k for k, v in outputs.items() if k != key and sign * v < -HOLD_MARGIN_W]
        if behind:
            assert after <= max(before, 0.0) + EPS, (key, behind, outputs, grid, shares)
    return shares


@pytest.mark.parametrize("seed", [7, 2024])
def test_random_fleets_never_charge_each_other(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        followers = random_fleet(rng)
        fleet = FleetShares()
        mirrors = {f.key: response_model(f.family) for f in followers}
        time = 0.0
        for _ in range(6):
            if rng.random() < 0.2:  # a fresh read of one battery
                index = rng.randrange(len(followers))
                old = followers[index]
                out = rng.uniform(-old.member.max_charge_w, old.member.max_discharge_w)
                followers[index] = replace(old, output_w=out, read_at=time)
            shares = check_round(fleet, random_grid(rng), followers, mirrors)
            for follower in followers:
                if fleet.estimate(follower.key) is not None:
                    mirrors[follower.key].respond(shares[follower.key].total, 0.0, time)
                fleet.told(follower, shares[follower.key], time)
                estimate = fleet.estimate(follower.key)
                member = follower.member
                if estimate is not None:
                    assert -member.max_charge_w <= estimate <= member.max_discharge_w
            time += rng.choice((0.5, 1.0, 3.0))
