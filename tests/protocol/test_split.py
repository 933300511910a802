"""The fleet split: proportional by energy (discharge) or headroom (charge), capped, exact."""

from __future__ import annotations

import random

import pytest

from custom_components.marstek_venus.pymarstek_venus import SplitMember, split_power


def member(key: str, available: float, headroom: float, dis: int = 2500, chg: int = 2500):
    return SplitMember(key, available, headroom, dis, chg)


def test_discharge_follows_energy_above_the_floor() -> None:
    result = split_power(900, [member("a", 2000, 0), member("b", 1000, 3000)])
    assert result.powers == {"a": 600, "b": 300}
    assert result.total == 900
    assert result.unallocated == 0


def test_charge_follows_headroom_and_is_negative() -> None:
    result = split_power(-1000, [member("a", 2000, 1000), member("b", 1000, 3000)])
    assert result.powers == {"a": -250, "b": -750}


def test_full_and_empty_members_take_no_part() -> None:
    fleet = [member("full", 5000, 0), member("empty", 0, 5000), member("mid", 2000, 2000)]
    assert split_power(800, fleet).powers == {"full": 800 * 5 // 7, "empty": 0, "mid": 229}
    charge = split_power(-800, fleet)
    assert charge.powers["full"] == 0
    assert charge.skipped == ("full",)
    assert split_power(800, fleet).skipped == ("empty",)


def test_a_capped_member_passes_its_excess_to_the_others() -> None:
    fleet = [member("small", 4000, 0, dis=800), member("big", 1000, 0, dis=2500)]
    assert split_power(2000, fleet).powers == {"small": 800, "big": 1200}


def test_a_request_beyond_every_limit_is_reported_unallocated() -> None:
    fleet = [member("a", 1000, 0, dis=800), member("b", 1000, 0, dis=1200)]
    result = split_power(2500, fleet)
    assert result.powers == {"a": 800, "b": 1200}
    assert result.unallocated == 500


def test_zero_and_no_members() -> None:
    assert split_power(0, [member("a", 1, 1)]).powers == {"a": 0}
    assert split_power(0, [member("a", 1, 1)]).skipped == ()
    assert split_power(500, []).unallocated == 500


def test_unknown_or_broken_state_takes_no_part() -> None:
    fleet = [member("nan", float("nan"), float("nan")), member("ok", 100, 100)]
    assert split_power(300, fleet).powers == {"nan": 0, "ok": 300}


def test_keys_must_be_distinct() -> None:
    with pytest.raises(ValueError):
        split_power(100, [member("a", 1, 1), member("a", 2, 2)])


@pytest.mark.parametrize("seed", range(200))
def test_shares_are_exact_within_limits_and_within_a_watt(seed: int) -> None:
    rng = random.Random(seed)
    fleet = [
        member(
            f"m{i}",
            rng.choice([0, rng.uniform(0, 5000)]),
            rng.choice([0, rng.uniform(0, 5000)]),
            rng.choice([0, 800, 1200, 2500]),
            rng.choice([0, 800, 2500]),
        )
        for i in range(rng.randint(1, 6))
    ]
    requested = rng.randint(-8000, 8000)
    result = split_power(requested, fleet)
    discharge = requested > 0
    capacity = sum(m.limit(discharge) for m in fleet if m.weight(discharge) > 0)
    assert abs(result.total) == min(abs(requested), capacity)
    for m in fleet:
        power = result.powers[m.key]
        assert abs(power) <= m.limit(discharge)
        assert power == 0 or (power > 0) == discharge
        if m.weight(discharge) == 0:
            assert power == 0
