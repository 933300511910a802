"""The read plan on its own (polling.py): tiers, wanted groups, learned silence, availability."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import AsyncMock, MagicMock

import pytest

from custom_components.marstek_venus.const import MAX_SILENT_CYCLES, POLL_EVERY, Group
from custom_components.marstek_venus.polling import ReadPlan, async_read_batch
from custom_components.marstek_venus.pymarstek_venus import (
    MarstekClient,
    MarstekMethodNotSupportedError,
    MarstekTimeoutError,
    profile_for,
)

VENUS_E = profile_for("VenusE 3.0", 150)
OPTIONAL = (Group.BATTERY, Group.PV, Group.METER, Group.WIFI)


def _now() -> datetime:
    return datetime.now(UTC)


def _plan(unavailable_after: int = 3) -> ReadPlan:
    client = MagicMock(spec=MarstekClient)
    client.host = "192.168.1.50"
    return ReadPlan(OPTIONAL, unavailable_after, client)


def _client(**replies: object) -> MagicMock:
    """A client whose reads answer ``replies`` (an exception is raised), None otherwise."""
    client = MagicMock(spec=MarstekClient)
    client.host = "192.168.1.50"
    for name in (
        "get_es_status",
        "get_mode",
        "get_meter_status",
        "get_battery_status",
        "get_pv_status",
        "get_wifi_status",
        "get_ble_status",
        "get_device",
    ):
        reply = replies.get(name, name)
        mock = AsyncMock(side_effect=reply) if isinstance(reply, Exception) else AsyncMock()
        mock.return_value = reply
        setattr(client, name, mock)
    return client


def test_readable_follows_the_profile_and_the_options() -> None:
    """No PV.GetStatus on a Venus E; BLE only when the user asks for it."""
    plan = _plan()
    assert plan.readable(VENUS_E) == {
        Group.ES,
        Group.MODE,
        Group.DEVICE,
        Group.BATTERY,
        Group.METER,
        Group.WIFI,
    }


def test_wanted_keeps_the_mode_as_a_heartbeat() -> None:
    """Before the first batch everything readable; later only what entities subscribe to."""
    plan = _plan()
    assert plan.wanted(VENUS_E, None) == plan.readable(VENUS_E)
    assert plan.wanted(VENUS_E, [[Group.WIFI], [Group.ES]]) == {Group.WIFI, Group.ES, Group.DEVICE}
    assert plan.wanted(VENUS_E, []) == {Group.MODE, Group.DEVICE}


def test_tiers() -> None:
    """A group is due every POLL_EVERY cycles, counted from its last read."""
    plan = _plan()
    wanted = {Group.ES, Group.BATTERY, Group.WIFI}
    due_cycles: dict[Group, list[int]] = {group: [] for group in wanted}
    for cycle in range(20):
        for group in plan.due(wanted):
            due_cycles[group].append(cycle)
            plan.read(group)
        plan.end_cycle(answered=True)
    for group, cycles in due_cycles.items():
        assert cycles == list(range(0, 20, POLL_EVERY[group])), group


async def test_silence_is_learned_and_the_core_is_never_given_up() -> None:
    """WIFI that never answers is dropped after MAX_SILENT_CYCLES; ES is not."""
    plan = _plan()
    lost = MarstekTimeoutError("no reply")
    client = _client(
        get_wifi_status=lost,
        get_meter_status=MarstekMethodNotSupportedError("EM.GetStatus", -32601, "Method not found"),
    )
    for _ in range(MAX_SILENT_CYCLES * POLL_EVERY[Group.WIFI]):
        batch = await async_read_batch(
            client,
            plan,
            plan.wanted(VENUS_E, [[Group.MODE, Group.WIFI, Group.METER]]),
            pv=None,
            accept_device=lambda _: True,
            now=_now,
        )
        assert batch.answered
    assert plan.unsupported == {Group.WIFI, Group.METER}
    assert client.get_meter_status.await_count == 1


@pytest.mark.parametrize("unavailable_after", [1, 3])
async def test_away_after_wholly_failed_cycles(unavailable_after: int) -> None:
    """The first read gets nothing: the batch stops, and enough of those mean "away"."""
    plan = _plan(unavailable_after)
    client = _client(get_es_status=MarstekTimeoutError("no reply"))
    for cycle in range(unavailable_after):
        assert not plan.away
        batch = await async_read_batch(
            client,
            plan,
            {Group.ES, Group.MODE},
            pv=None,
            accept_device=lambda _: True,
            now=_now,
        )
        assert not batch.answered
        assert plan.failed_cycles == cycle + 1
    assert plan.away
    client.get_mode.assert_not_awaited()
