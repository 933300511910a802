"""A battery as the fleet split and the meter shares see it (members.split_member)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from custom_components.marstek_venus.members import split_member
from custom_components.marstek_venus.pymarstek_venus import PowerLimits


def _coordinator(
    *, soc: int | None, capacity: float | None, online: bool = True, dod: int | None = None
) -> Any:
    return SimpleNamespace(
        data=SimpleNamespace(soc=soc, capacity=capacity, online=online),
        control=SimpleNamespace(
            power_limit=PowerLimits(charge=2500, discharge=800),
            settings=SimpleNamespace(dod=dod),
        ),
        config_entry=SimpleNamespace(entry_id="entry1"),
    )


def test_energy_above_the_floor_the_dod_leaves_and_room_to_full() -> None:
    member = split_member(_coordinator(soc=50, capacity=5120, dod=80))
    assert member.key == "entry1"
    assert member.available_wh == 5120 * 30 / 100  # floor 20 %
    assert member.headroom_wh == 5120 * 50 / 100
    assert (member.max_discharge_w, member.max_charge_w) == (800, 2500)


def test_without_a_written_dod_the_floor_is_the_highest_the_firmware_accepts() -> None:
    member = split_member(_coordinator(soc=12, capacity=5120), key="127.0.0.2")
    assert member.key == "127.0.0.2"
    assert member.available_wh == 0  # 100 - 88 = 12 %


def test_unknown_or_offline_takes_no_part() -> None:
    for coordinator in (
        _coordinator(soc=None, capacity=5120),
        _coordinator(soc=50, capacity=None),
        _coordinator(soc=50, capacity=5120, online=False),
    ):
        member = split_member(coordinator)
        assert (member.available_wh, member.headroom_wh) == (0, 0)
