"""ES.SetMode validation and the SYS writes, as the firmware answers them."""

from __future__ import annotations

from typing import Any

import pytest

from simulator import EnergyCounters, Faults, ManualPeriod

from .conftest import BatteryFactory
from .udp import RawClient, manual_params, passive_params


async def _set(client: RawClient, address: tuple[str, int], params: Any) -> dict[str, Any]:
    return await client.call(address, "ES.SetMode", params)


@pytest.mark.parametrize(
    "params",
    [
        "Auto",
        {"id": 0},
        {"id": 0, "config": "Auto"},
        {"id": 0, "config": {"mode": "Auto"}},  # the auto_cfg block is required
        {"id": 0, "config": {"mode": "Sleep", "auto_cfg": {"enable": 1}}},
        {"id": 0, "config": {"mode": "Auto", "auto_cfg": {"enable": 0}}},
        {"id": 0, "config": {"mode": "Passive", "passive_cfg": {"power": 100}}},
        passive_params(2501, 60),
        passive_params(-2501, 60),
        manual_params(power=3000),
        manual_params(start="24:00"),
        manual_params(end="7"),
        manual_params(week_set=128),
        manual_params(enable=2),
    ],
)
async def test_set_mode_refused(
    make_battery: BatteryFactory, client: RawClient, params: Any
) -> None:
    battery = await make_battery("venus_e3_150")
    reply = await _set(client, battery.address, params)
    assert reply["result"]["set_result"] is False
    assert battery.state.mode == "Auto"


@pytest.mark.parametrize("slot", [-1, 10, 11])
async def test_manual_slot_out_of_range(
    make_battery: BatteryFactory, client: RawClient, slot: int
) -> None:
    battery = await make_battery()
    reply = await _set(client, battery.address, manual_params(slot=slot))
    assert reply["error"] == {"code": -32602, "message": "Invalid params"}


@pytest.mark.parametrize("mode", ["Auto", "AI", "UPS"])
async def test_simple_modes(make_battery: BatteryFactory, client: RawClient, mode: str) -> None:
    battery = await make_battery("venus_e3_150")
    await _set(client, battery.address, passive_params(100, 60))
    cfg = {"Auto": "auto_cfg", "AI": "ai_cfg", "UPS": "ups_cfg"}[mode]
    reply = await _set(
        client, battery.address, {"id": 0, "config": {"mode": mode, cfg: {"enable": 1}}}
    )
    assert reply["result"] == {"id": 0, "set_result": True}
    mode_reply = await client.call(battery.address, "ES.GetMode")
    assert mode_reply["result"]["mode"] == mode


async def test_ups_needs_firmware_support(make_battery: BatteryFactory, client: RawClient) -> None:
    for key in ("venus_e3_139", "venus_e2_154"):
        battery = await make_battery(key)
        reply = await _set(
            client, battery.address, {"id": 0, "config": {"mode": "UPS", "ups_cfg": {"enable": 1}}}
        )
        assert reply["error"]["code"] == -32601
        assert battery.state.mode == "Auto"


async def test_manual_write_switches_mode_and_stores_slot(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery()
    params = manual_params(slot=3, start="7:05", end="09:30", week_set=0b0011111, power=-1200)
    reply = await _set(client, battery.address, params)
    assert reply["result"]["set_result"] is True
    state = battery.state
    assert state.mode == "Manual"
    assert state.manual_periods[3] == ManualPeriod(3, "07:05", "09:30", 31, -1200, True)
    assert state.manual_periods[0].enabled is False


async def test_passive_write(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    reply = await _set(client, battery.address, passive_params(-2500, 120))
    assert reply["result"]["set_result"] is True
    state = battery.state
    assert state.mode == "Passive"
    assert state.passive_power == -2500
    assert 0 < state.passive_remaining <= 120
    assert state.ac_power == -2500  # charging from AC at the full rate


@pytest.mark.parametrize("with_instance_id", [True, False])
async def test_settings_writes(
    make_battery: BatteryFactory, client: RawClient, with_instance_id: bool
) -> None:
    """DOD.SET, Led.Ctrl and Ble.Adv work with and without params.id."""
    battery = await make_battery("venus_e3_150")
    extra = {"id": 0} if with_instance_id else {}
    for method, params in (
        ("DOD.SET", {"value": 40}),
        ("Led.Ctrl", {"state": 0}),
        ("Ble.Adv", {"enable": 0}),
    ):
        reply = await client.call(battery.address, method, {**extra, **params})
        assert reply["result"] == {"id": 0, "set_result": True}, method
    state = battery.state
    assert (state.dod, state.led, state.ble_adv) == (40, False, False)
    reply = await client.call(battery.address, "DOD.SET", {"Value": 88})  # the PDF's spelling
    assert reply["result"]["set_result"] is True
    assert battery.state.dod == 88


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("DOD.SET", {"value": 29}),
        ("DOD.SET", {"value": 89}),
        ("DOD.SET", {}),
        ("Led.Ctrl", {"state": 2}),
        ("Ble.Adv", {"enable": True}),
    ],
)
async def test_settings_refused(
    make_battery: BatteryFactory, client: RawClient, method: str, params: dict[str, Any]
) -> None:
    battery = await make_battery("venus_a_149")
    reply = await client.call(battery.address, method, params)
    assert reply["result"]["set_result"] is False


@pytest.mark.parametrize("key", ["venus_e3_144", "venus_a_147", "venus_e2_154", "venus_c_153"])
async def test_settings_need_firmware_support(
    make_battery: BatteryFactory, client: RawClient, key: str
) -> None:
    battery = await make_battery(key)
    reply = await client.call(battery.address, "Led.Ctrl", {"state": 0})
    assert reply["error"]["code"] == -32601


async def test_result_id_echoes_params_id(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    reply = await client.call(battery.address, "ES.GetMode", {"id": 1})
    assert reply["result"]["id"] == 1
    reply = await client.call(battery.address, "DOD.SET", {"id": 1, "value": 50})
    assert reply["result"] == {"id": 1, "set_result": True}


async def test_get_device_for_another_mac_is_ignored(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery()
    client.send(battery.address, "Marstek.GetDevice", {"ble_mac": "000000000000"})
    assert await client.nothing()
    reply = await client.call(battery.address, "Marstek.GetDevice", {"ble_mac": battery.ble_mac})
    assert reply["result"]["ver"] == 150


async def test_reset_factory_wipes_settings_and_totals(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery("venus_a_149")
    battery.physics.counters = EnergyCounters(grid_output=1000.0)
    await client.call(battery.address, "DOD.SET", {"value": 50})
    reply = await client.call(battery.address, "Reset.Factory", {"type": 2})  # keep totals
    assert reply["result"]["set_result"] is True
    assert battery.state.dod == 88
    assert battery.state.counters.grid_output == pytest.approx(1000.0, abs=1)
    reply = await client.call(battery.address, "Reset.Factory", {"type": 1})
    assert battery.state.counters.grid_output < 1
    reply = await client.call(battery.address, "Reset.Factory", {"type": 3})
    assert reply["result"]["set_result"] is False
    reply = await client.call(battery.address, "Set.Ver", {"version": 999})
    assert reply["result"]["set_result"] is False


async def test_wifi_set_config_only_on_hmg50(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    hmg = await make_battery("venus_e2_154")
    reply = await client.call(hmg.address, "Wifi.SetConfig", {"ssid": "home"})
    assert reply["result"]["set_result"] is True
    reply = await client.call(hmg.address, "Wifi.SetConfig", {})
    assert reply["result"]["set_result"] is False
    e3 = await make_battery("venus_e3_150")
    reply = await client.call(e3.address, "Wifi.SetConfig", {"ssid": "home"})
    assert reply["error"]["code"] == -32601


@pytest.mark.parametrize(
    ("key", "asked", "delivered"),
    [
        ("venus_a_149", 2000, 1200),  # issue 9: accepted, and 1200 W came out
        ("venus_a_149", -2000, -1200),
        ("venus_d_150", 2500, 2200),
        ("venus_d_150", -2000, -800),
        ("venus_c_153", 2000, 800),
        ("venus_e3_150", 2500, 2500),
    ],
)
async def test_passive_beyond_the_inverter_delivers_its_limit(
    make_battery: BatteryFactory, client: RawClient, key: str, asked: int, delivered: int
) -> None:
    """The firmware takes up to ±2500 W; the inverter moves no more than the model can."""
    battery = await make_battery(key, soc=50)
    battery.set_pv(0.0)  # no PV: the AC power is the battery's own
    reply = await _set(client, battery.address, passive_params(asked, 60))
    assert reply["result"]["set_result"] is True
    assert battery.state.ac_power == pytest.approx(delivered)
    mode_reply = await client.call(battery.address, "ES.GetMode")
    assert mode_reply["result"]["ongrid_power"] == delivered


async def test_executed_writes_are_counted(make_battery: BatteryFactory, client: RawClient) -> None:
    """Each write the firmware carries out is recorded, a repeated one twice; refusals not."""
    battery = await make_battery(faults=Faults(reject_first_write=True))
    await _set(client, battery.address, passive_params(300, 60))  # "busy": not run
    await _set(client, battery.address, passive_params(300, 60))
    await _set(client, battery.address, passive_params(300, 60))  # the same again: runs again
    await _set(client, battery.address, passive_params(9999, 60))  # refused
    await client.call(battery.address, "ES.GetMode")
    await client.call(battery.address, "DOD.SET", {"value": 50})  # first DOD.SET is "busy"
    await client.call(battery.address, "DOD.SET", {"value": 50})
    executed = battery.logic.executed_writes
    assert [method for method, _ in executed] == ["ES.SetMode", "ES.SetMode", "DOD.SET"]
    assert executed[0][1]["config"] == passive_params(300, 60)["config"]
