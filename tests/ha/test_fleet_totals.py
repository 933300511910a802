"""Fleet figures without Home Assistant: capacity-weighted charge, totals that never drop."""

from __future__ import annotations

import json
import random

import pytest

from custom_components.marstek_venus.fleet_totals import Charge, FleetTotal, fleet_charge


def test_charge_is_weighted_by_capacity() -> None:
    """5 kWh at 80 % and 2 kWh at 10 % hold 4.2 of 7 kWh: 60 %, not the average 45 %."""
    charge = fleet_charge([(80, 5000.0), (10, 2000.0)])
    assert charge.soc == pytest.approx(60.0)
    assert charge.stored_wh == pytest.approx(4200.0)
    assert charge.capacity_wh == pytest.approx(7000.0)


def test_charge_leaves_out_members_without_soc_or_capacity() -> None:
    assert fleet_charge([(50, 5000.0), (None, 2000.0), (90, None), (90, 0.0)]).soc == 50.0
    assert fleet_charge([(None, 2000.0)]) == Charge(None, None, None)
    assert fleet_charge([]) == Charge(None, None, None)


def test_opens_at_the_sum_and_adds_increments() -> None:
    total = FleetTotal()
    assert total.total is None
    assert total.update({"a": None}) is None  # nothing known yet: still closed
    assert total.update({"a": 10.0, "b": 5.0}) == 15.0
    assert total.update({"a": 10.5, "b": 5.25}) == 15.75


def test_unavailable_member_contributes_its_last_total_and_catches_up() -> None:
    total = FleetTotal()
    total.update({"a": 10.0, "b": 5.0})
    assert total.update({"a": None, "b": 6.0}) == 16.0  # a unknown: its 10 kWh stay
    assert total.update({"a": 12.0, "b": 6.0}) == 18.0  # back: what it counted meanwhile


def test_member_counter_reset_is_a_new_start() -> None:
    """A member's own total going down (entry re-created) subtracts nothing."""
    total = FleetTotal()
    total.update({"a": 10.0, "b": 5.0})
    assert total.update({"a": 0.0, "b": 5.0}) == 15.0
    assert total.update({"a": 1.5, "b": 5.0}) == 16.5


def test_removed_member_stays_frozen_and_rejoins_from_its_level_then() -> None:
    total = FleetTotal()
    total.update({"a": 10.0, "b": 5.0})
    assert total.update({"b": 6.0}) == 16.0  # a left the fleet: its 10 kWh stay
    assert total.update({"b": 6.0}) == 16.0
    # a counted 20 kWh while away: none of that arrives when it rejoins.
    assert total.update({"a": 30.0, "b": 6.0}) == 16.0
    assert total.update({"a": 31.0, "b": 6.0}) == 17.0


def test_member_first_seen_later_counts_from_then_on() -> None:
    """A battery added to a running system must not put its lifetime into one hour."""
    total = FleetTotal()
    total.update({"a": 10.0, "b": None})
    assert total.update({"a": 10.0, "b": 400.0}) == 10.0
    assert total.update({"a": 10.0, "b": 401.0}) == 11.0


def test_bad_readings_are_ignored() -> None:
    total = FleetTotal()
    total.update({"a": 10.0})
    assert total.update({"a": float("nan")}) == 10.0
    assert total.update({"a": float("inf")}) == 10.0
    assert total.update({"a": -1.0}) == 10.0
    assert total.update({"a": 11.0}) == 11.0


def test_restart_continues_the_same_total() -> None:
    total = FleetTotal()
    total.update({"a": 10.0, "b": 5.0})
    total.update({"a": None, "b": 6.0})
    saved = json.loads(json.dumps(total.as_dict()))  # as Home Assistant stores it
    again = FleetTotal.from_dict(saved)
    assert again.total == 16.0
    # After the restart a is still unknown, then comes back having counted 1 kWh.
    assert again.update({"a": None, "b": 6.0}) == 16.0
    assert again.update({"a": 11.0, "b": 6.0}) == 17.0


@pytest.mark.parametrize(
    "saved", [{}, {"shares": {"a": {"counted": "x", "last": 1}}}, {"shares": {"a": {}}}]
)
def test_unreadable_saved_state_starts_afresh(saved: dict[str, object]) -> None:
    assert FleetTotal.from_dict(saved).total is None


def test_never_decreases_through_any_sequence() -> None:
    """A random walk of outages, resets, removals and rejoins never lowers the total."""
    rng = random.Random(12)
    own = {"a": 0.0, "b": 0.0, "c": 0.0}
    total, before = FleetTotal(), 0.0
    for _ in range(5000):
        readings: dict[str, float | None] = {}
        for key, before_key in list(own.items()):
            own[key] = 0.0 if rng.random() < 0.02 else before_key + rng.random()  # or restarts
            roll = rng.random()
            if roll < 0.1:
                continue  # not in the fleet this time
            readings[key] = None if roll < 0.2 else own[key]
        if rng.random() < 0.01:
            total = FleetTotal.from_dict(json.loads(json.dumps(total.as_dict())))
        now = total.update(readings)
        assert now is None or now >= before
        before = now if now is not None else before
