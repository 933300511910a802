"""Several batteries on one emulated meter: shares, "follows", and gentle polling."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.marstek_venus.const import DOMAIN, Group
from custom_components.marstek_venus.coordinator import MarstekDataUpdateCoordinator
from custom_components.marstek_venus.following import is_followed
from custom_components.marstek_venus.pymarstek_venus.meter import fleet
from custom_components.marstek_venus.pymarstek_venus.meter.response import Integrator

from .conftest import START_TIME, FakeBattery
from .meter_support import (
    add_batteries,
    answered_power,
    meter_entry,
    one_battery_meter,
    poll,
    set_power,
    setup_meter,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

METER = "sensor.emulated_meter"


async def _set_soc(
    freezer: FrozenDateTimeFactory, entry: MockConfigEntry, client: MagicMock, soc: int
) -> None:
    """A new poll of the battery, a second later, reads ``soc``."""
    freezer.tick(timedelta(seconds=1))
    client.get_es_status.return_value = replace(client.get_es_status.return_value, soc=soc)
    coordinator: MarstekDataUpdateCoordinator = entry.runtime_data
    await coordinator.async_refresh()


async def _sample(hass: HomeAssistant, value: str) -> None:
    """A new sample of the source, seen by the meter."""
    set_power(hass, value)
    await hass.async_block_till_done()


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_two_batteries_share_the_grid(
    hass: HomeAssistant,
    mock_client_class: MagicMock,
    battery: FakeBattery,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One follower gets the whole value; two share what is left of the sample, by energy
    above the floor, and neither is told past zero while the other is on the other side.

    The batteries' loops are modelled as plain integrators here (the ramp of the fixture's
    Venus E 3.0 would cap every answer at its 50 W first step), so the split shows whole.
    """
    monkeypatch.setattr(fleet, "response_model", lambda family: Integrator())
    freezer.move_to(START_TIME)
    (first, second), clients = await add_batteries(hass, mock_client_class, battery, 2)
    set_power(hass, "400")
    runtime = await setup_meter(hass, meter_entry(batteries=[first.entry_id, second.entry_id]))
    await _sample(hass, "400")  # the sample the meter answers from

    assert answered_power(await poll(runtime, "127.0.0.2")) == 400.0  # alone so far
    # Equal batteries (56 %, both giving 300 W): half each. The second is then answered half
    # of what is left: the first was told 200 W of the sample already (a 2 W balancing part
    # pulls the first's 500 W and the second's 300 W together).
    assert answered_power(await poll(runtime, "127.0.0.3")) == pytest.approx(200.0)
    assert answered_power(await poll(runtime, "127.0.0.2")) == pytest.approx(102.0)
    assert runtime.fleet.estimate("127.0.0.3") == pytest.approx(500.0)

    # The second battery at its floor (12 % with the factory DOD) takes no part of an import,
    # and the balancing part pulls it back from the 300 W it still gives.
    await _set_soc(freezer, second, clients["127.0.0.3"], 10)
    await _sample(hass, "400")  # a new sample, and outputs read anew
    low = answered_power(await poll(runtime, "127.0.0.3"))
    high = answered_power(await poll(runtime, "127.0.0.2"))
    assert low is not None
    assert high is not None
    assert low < 0 < 400 < high

    # The fleet swings to charging (-1000 W against 600 W given). The battery with the
    # most room takes most of a charge, but first it comes down to zero, not past it, while
    # the other still discharges.
    await _set_soc(freezer, first, clients["127.0.0.2"], 82)
    await _sample(hass, "-1000")
    reads = clients["127.0.0.3"].get_es_status.await_count
    low = answered_power(await poll(runtime, "127.0.0.3"))
    assert low == pytest.approx(-300.0)  # its 300 W (read), not its share of the charge
    # The other, alone on the other side of zero now, takes its share of what is left.
    high = answered_power(await poll(runtime, "127.0.0.2"))
    assert high is not None
    assert -300.0 < high < 0.0
    # The first is at zero by its estimate only: the meter asks its coordinator for a read,
    # which finds it still at 300 W (these fake batteries do not follow the meter), so it is
    # told again to come to zero, and not past it while the other still discharges.
    client = clients["127.0.0.3"]
    await hass.async_block_till_done()
    assert client.get_es_status.await_count == reads + 1
    assert runtime.fleet.estimate("127.0.0.2") == pytest.approx(300.0 + high, abs=0.01)
    assert answered_power(await poll(runtime, "127.0.0.3")) == pytest.approx(-300.0)


async def test_follows_and_gentle_polling(
    hass: HomeAssistant,
    mock_client_class: MagicMock,
    battery: FakeBattery,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While a battery polls the meter: "follows" is on and it is polled once a minute."""
    freezer.move_to(START_TIME)
    (first, second), _ = await add_batteries(hass, mock_client_class, battery, 2)
    set_power(hass, "321.4")
    entry = meter_entry(batteries=[first.entry_id, second.entry_id])
    runtime = await setup_meter(hass, entry)
    coordinator: MarstekDataUpdateCoordinator = first.runtime_data
    assert coordinator.update_interval == timedelta(seconds=30)

    assert hass.states.get(f"{METER}_grid_power_answered").state == "321.4"
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert (DOMAIN, entry.entry_id) in device.identifiers
    assert (device.name, device.manufacturer, device.model) == (
        "Emulated meter",
        "Marstek Venus integration",
        "Shelly Pro EM-50",
    )
    meter_entities = er.async_entries_for_device(er.async_get(hass), device.id)
    assert len(meter_entities) == 5  # the answer, and per battery: follows, share
    assert hass.states.get("binary_sensor.emulated_meter_battery_1_follows_the_meter").state == (
        "off"
    )
    assert hass.states.get(f"{METER}_battery_1_share").state == "unknown"

    await poll(runtime, "127.0.0.2")
    # Entities and polling change with the next refresh, not per poll.
    assert hass.states.get(f"{METER}_battery_1_share").state == "unknown"
    await _tick(hass, freezer, 5)
    assert hass.states.get("binary_sensor.emulated_meter_battery_1_follows_the_meter").state == (
        "on"
    )
    assert hass.states.get("binary_sensor.emulated_meter_battery_2_follows_the_meter").state == (
        "off"
    )
    assert hass.states.get(f"{METER}_battery_1_share").state == "321.4"
    assert coordinator.update_interval == timedelta(seconds=60)
    assert second.runtime_data.update_interval == timedelta(seconds=30)
    assert is_followed(hass, first.entry_id)

    # A Venus E 3.0 keeps reading what its entities need: its Open API has its own channel.
    assert Group.BATTERY in coordinator.wanted_groups()

    # No poll for longer than the window: not following, polled as the user chose again.
    set_power(hass, "321.4")
    await _tick(hass, freezer, 6)
    assert hass.states.get("binary_sensor.emulated_meter_battery_1_follows_the_meter").state == (
        "off"
    )
    assert coordinator.update_interval == timedelta(seconds=30)
    assert not is_followed(hass, first.entry_id)

    # Unloading the meter also ends following.
    await poll(runtime, "127.0.0.2")
    await _tick(hass, freezer, 5)
    assert coordinator.update_interval == timedelta(seconds=60)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert coordinator.update_interval == timedelta(seconds=30)


@pytest.mark.parametrize("device_fixture", ["venus_e2_fw154"])
async def test_hmg50_reads_only_what_the_shares_need(
    hass: HomeAssistant,
    mock_client_class: MagicMock,
    battery: FakeBattery,
    freezer: FrozenDateTimeFactory,
) -> None:
    """On a Venus E 2.0 (shared receive channel) a follower is read for ES and mode only."""
    freezer.move_to(START_TIME)
    first, _, runtime = await one_battery_meter(hass, mock_client_class, battery, "50")
    coordinator: MarstekDataUpdateCoordinator = first.runtime_data
    before = coordinator.wanted_groups()
    assert before - {Group.ES, Group.MODE, Group.DEVICE}

    await poll(runtime, "127.0.0.2")
    await _tick(hass, freezer, 5)
    assert coordinator.wanted_groups() <= {Group.ES, Group.MODE, Group.DEVICE}
    assert coordinator.update_interval == timedelta(seconds=60)

    await _tick(hass, freezer, 6)
    assert coordinator.wanted_groups() == before


async def test_a_slow_source_is_handed_out_once_per_sample(
    hass: HomeAssistant,
    mock_client_class: MagicMock,
    battery: FakeBattery,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A source every 10 s, polls every second: the battery is told each sample about once.

    Without pacing an integrating battery adds the same 500 W on every poll until the source
    moves, and overshoots (docs/zero-export.md). Paced, the test battery's model (a gated
    ramp, one step per ~3 s) is told a chunk per 3 s window, held for the window so that its
    gate sees it, and the chunks of one source period add up to the sample.
    """
    freezer.move_to(START_TIME)
    (first,), _ = await add_batteries(hass, mock_client_class, battery, 1)
    runtime = await setup_meter(hass, meter_entry(batteries=[first.entry_id]))
    answers: list[float] = []
    for second in range(40):
        if second % 10 == 0:
            set_power(hass, "500")
        answer = answered_power(await poll(runtime, "127.0.0.2"))
        assert answer is not None
        answers.append(answer)
        freezer.tick(timedelta(seconds=1))
    assert answers[:10] == [500.0] * 10  # the intervals are not known yet: the reading itself
    last_period = answers[30:]
    assert max(last_period) < 500.0
    windows = last_period[::3]  # one chunk per 3 s acting window, held for the window
    assert last_period == [w for w in windows for _ in range(3)][:10]
    assert sum(windows) == pytest.approx(500.0)
