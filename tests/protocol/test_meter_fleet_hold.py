"""FleetShares near zero: a ramp comes to zero by halves, and a battery that came back from
the other side by its estimate only holds the others until a read confirms it.

Signs: a grid value is + import, a battery's output + discharge; its loop adds the value.
"""

from __future__ import annotations

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    FleetShares,
    Follower,
    MeterReading,
    SplitMember,
)
from custom_components.marstek_venus.pymarstek_venus.meter.fleet import CONFIRM_GAP
from custom_components.marstek_venus.pymarstek_venus.models import Family


def _follower(key: str, output: float, family: Family | None, read_at: float = 0.0) -> Follower:
    return Follower(key, SplitMember(key, 1000.0, 1000.0, 2500, 2500), output, read_at, family)


def _answers(fleet: FleetShares, grid: float, followers: list[Follower]) -> dict[str, float]:
    return {key: r.total for key, r in fleet.shares(MeterReading(grid), followers).items()}


@pytest.mark.parametrize(("output", "told"), [(300.0, -50.0), (80.0, -40.0), (45.0, -45.0)])
def test_a_ramp_comes_to_zero_by_halves_then_whole(output: float, told: float) -> None:
    """The fleet still discharges; the ramp is told to give less: half the way to zero
    (within its 50 W first step), and the last 50 W whole."""
    ramp = _follower("e", output, Family.VENUS_E2)
    venus_d = _follower("d", 2000.0, Family.VENUS_D)
    answers = _answers(FleetShares(), -1000.0, [ramp, venus_d])
    assert answers["e"] == pytest.approx(told)


def test_an_unconfirmed_battery_holds_the_others_until_read() -> None:
    """Two batteries discharging as the fleet swings to charging: both come to zero first;
    each holds the other there until a read confirms it."""
    fleet = FleetShares()
    venus_d, other = _follower("d", 100.0, Family.VENUS_D), _follower("o", 100.0, None)
    answers = _answers(fleet, -1000.0, [venus_d, other])
    assert answers == pytest.approx({"d": -100.0, "o": -100.0})
    fleet.told(venus_d, MeterReading(-100.0), 0.0)
    fleet.told(other, MeterReading(-100.0), 0.0)
    assert fleet.estimate("d") == pytest.approx(-5.0)  # the Venus D's bias
    assert fleet.unconfirmed() == {"d", "o"}
    # At zero by their estimates only: neither may go on into charging.
    assert _answers(fleet, -800.0, [venus_d, other]) == pytest.approx({"d": 0.0, "o": 0.0})
    read_d = _follower("d", 0.0, Family.VENUS_D, read_at=1.0)
    assert _answers(fleet, -800.0, [read_d, other])["d"] == pytest.approx(0.0)  # "o" holds
    read_o = _follower("o", 0.0, None, read_at=1.0)
    answers = _answers(fleet, -800.0, [read_d, read_o])
    assert answers["d"] < -100.0
    assert answers["o"] < -100.0
    assert fleet.unconfirmed() == set()


def test_reads_are_asked_at_most_every_confirm_gap() -> None:
    fleet = FleetShares()
    venus_d, other = _follower("d", 100.0, Family.VENUS_D), _follower("o", 100.0, None)
    _answers(fleet, -1000.0, [venus_d, other])
    fleet.told(venus_d, MeterReading(-100.0), 0.0)
    assert fleet.reads_due(100.0) == {"d"}
    assert fleet.reads_due(100.0 + CONFIRM_GAP / 2) == set()
    assert fleet.reads_due(100.0 + CONFIRM_GAP) == {"d"}
    fleet.shares(MeterReading(-800.0), [_follower("d", 0.0, Family.VENUS_D, 1.0), other])
    assert fleet.reads_due(200.0) == set()  # read, and found at zero
