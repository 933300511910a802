"""Each battery's share of one emulated meter: weights, full/empty, totals, balancing, phases."""

from __future__ import annotations

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    Follower,
    MeterReading,
    SplitMember,
    meter_shares,
)
from custom_components.marstek_venus.pymarstek_venus.meter.shares import BALANCE_GAIN


def member(key: str, available: float = 1000.0, headroom: float = 1000.0) -> SplitMember:
    return SplitMember(key, available, headroom, 2500, 2500)


def follower(
    key: str, available: float = 1000.0, headroom: float = 1000.0, output: float | None = 0.0
) -> Follower:
    return Follower(key, member(key, available, headroom), output)


def totals(shares: dict[str, MeterReading]) -> dict[str, float]:
    return {key: reading.total for key, reading in shares.items()}


def test_one_follower_gets_the_grid_unchanged() -> None:
    grid = MeterReading(120.5, -30.0, 7.25)
    assert meter_shares(grid, [follower("10.0.0.2", output=800.0)]) == {"10.0.0.2": grid}
    assert meter_shares(grid, [follower("10.0.0.2", 0.0, 0.0, None)]) == {"10.0.0.2": grid}


def test_no_followers_no_shares() -> None:
    assert meter_shares(MeterReading(500.0), []) == {}


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        meter_shares(MeterReading(1.0), [follower("a"), follower("a")])


def test_import_is_weighted_by_energy_above_the_floor() -> None:
    """Batteries at rest, in proportion: the balancing part is zero, the weights decide."""
    shares = totals(
        meter_shares(MeterReading(600.0), [follower("a", 3000.0, 10.0), follower("b", 1000.0)])
    )
    assert shares == pytest.approx({"a": 450.0, "b": 150.0}, abs=1.0)


def test_export_is_weighted_by_headroom() -> None:
    shares = totals(
        meter_shares(
            MeterReading(-900.0), [follower("a", 10.0, 1000.0), follower("b", 5000.0, 2000.0)]
        )
    )
    assert shares == pytest.approx({"a": -300.0, "b": -600.0}, abs=1.0)


def test_a_full_battery_gets_no_export_and_an_empty_one_no_import() -> None:
    full, empty = follower("full", 4000.0, 0.0), follower("empty", 0.0, 4000.0)
    exporting = totals(meter_shares(MeterReading(-500.0), [full, empty]))
    assert exporting == pytest.approx({"full": 0.0, "empty": -500.0}, abs=1.0)
    importing = totals(meter_shares(MeterReading(500.0), [full, empty]))
    assert importing == pytest.approx({"full": 500.0, "empty": 0.0}, abs=1.0)


def test_no_battery_can_act_shares_equally() -> None:
    """Nobody can charge: the grid value is still told, in equal parts (the totals add up)."""
    shares = totals(
        meter_shares(
            MeterReading(-300.0), [follower("a", 1.0, 0.0, None), follower("b", 1.0, 0.0, None)]
        )
    )
    assert shares == pytest.approx({"a": -150.0, "b": -150.0})


@pytest.mark.parametrize(
    ("grid", "outputs"),
    [
        (MeterReading(500.0), (0.0, 0.0, 0.0)),
        (MeterReading(-1234.5, 200.0, 17.0), (800.0, -300.0, None)),
        (MeterReading(0.0), (900.0, -900.0, 10.0)),
        (MeterReading(9000.0), (2500.0, 2500.0, 2500.0)),  # beyond every limit
        (MeterReading(-42.0), (None, None, None)),
    ],
)
def test_totals_add_up_to_the_grid(
    grid: MeterReading, outputs: tuple[float | None, float | None, float | None]
) -> None:
    followers = [
        follower("a", 500.0, 3000.0, outputs[0]),
        follower("b", 4000.0, 100.0, outputs[1]),
        follower("c", 0.0, 2000.0, outputs[2]),
    ]
    shares = meter_shares(grid, followers)
    assert set(shares) == {"a", "b", "c"}
    assert sum(r.total for r in shares.values()) == pytest.approx(grid.total, abs=1e-6)


def test_balancing_sums_to_zero_and_pulls_fighting_batteries_together() -> None:
    """Grid at zero, one battery charging the other: the shares point them at each other."""
    shares = totals(
        meter_shares(MeterReading(0.0), [follower("a", output=800.0), follower("b", output=-600.0)])
    )
    assert sum(shares.values()) == pytest.approx(0.0, abs=1e-9)
    assert shares["a"] < 0.0 < shares["b"]
    assert shares["a"] == pytest.approx(-BALANCE_GAIN * 700.0)  # toward +100 W each


def test_balancing_ignores_a_battery_of_unknown_output() -> None:
    shares = totals(
        meter_shares(
            MeterReading(300.0),
            [follower("a", output=500.0), follower("b", output=-100.0), follower("c", output=None)],
        )
    )
    assert shares["c"] == pytest.approx(100.0)  # its weighted third, nothing more
    assert shares["a"] < 100.0 < shares["b"]


def test_outputs_already_split_give_the_weighted_shares_only() -> None:
    shares = totals(
        meter_shares(
            MeterReading(200.0),
            [follower("a", 3000.0, output=600.0), follower("b", 1000.0, output=200.0)],
        )
    )
    assert shares == pytest.approx({"a": 150.0, "b": 50.0}, abs=1.0)


def test_closed_loop_ends_the_fight() -> None:
    """Two integral batteries (output += share) on a steady load stop charging each other."""
    load = 400.0
    outputs = {"a": 1500.0, "b": -1100.0}
    for _ in range(600):  # ten minutes of 1 s polls
        grid = MeterReading(load - sum(outputs.values()))
        followers = [follower(key, output=value) for key, value in outputs.items()]
        for key, share in meter_shares(grid, followers).items():
            outputs[key] += share.total
    assert outputs == pytest.approx({"a": 200.0, "b": 200.0}, abs=2.0)


def test_a_single_phase_reading_stays_on_its_phase() -> None:
    grid = MeterReading.single(700.0, phase=1)
    followers = [follower("a", 2000.0, output=-300.0), follower("b", 500.0, output=900.0)]
    for reading in meter_shares(grid, followers).values():
        assert reading.a == 0.0
        assert reading.c == 0.0
        assert reading.b != 0.0


def test_three_phases_keep_their_pattern_and_balance_on_the_largest() -> None:
    grid = MeterReading(100.0, -400.0, 50.0)
    followers = [follower("a", output=0.0), follower("b", output=0.0)]
    shares = meter_shares(grid, followers)
    assert shares["a"] == MeterReading(50.0, -200.0, 25.0)
    unbalanced = meter_shares(grid, [follower("a", output=300.0), follower("b", output=-300.0)])
    assert unbalanced["a"].a == 50.0
    assert unbalanced["a"].c == 25.0
    assert unbalanced["a"].b < -200.0 < unbalanced["b"].b


def test_weights_follow_the_fleet_direction_not_the_grid_sign() -> None:
    """A small export while the fleet still discharges: taken back by energy, not headroom."""
    followers = [follower("a", 3000.0, 100.0, 300.0), follower("b", 1000.0, 3000.0, 100.0)]
    shares = totals(meter_shares(MeterReading(-40.0), followers))
    assert shares["a"] < shares["b"] < 0.0
