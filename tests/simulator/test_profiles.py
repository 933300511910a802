"""Each profile answers with its firmware's shapes, encodings and gaps, over real UDP."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from simulator import PROFILES, ManualClock, SimulatedBattery

from .conftest import BatteryFactory
from .udp import RawClient, manual_params, passive_params

READS = [
    "Marstek.GetDevice",
    "Wifi.GetStatus",
    "BLE.GetStatus",
    "Bat.GetStatus",
    "PV.GetStatus",
    "ES.GetStatus",
    "ES.GetMode",
    "EM.GetStatus",
]

# What each profile does with each read method: "ok", an error code, or None for silence.
SUPPORT: dict[str, dict[str, object]] = {
    "venus_e3_139": {"PV.GetStatus": (-32601, 424), "ES.GetStatus": None},
    "venus_e3_144": {"PV.GetStatus": (-32601, 424)},
    "venus_e3_150": {"PV.GetStatus": (-32601, 424)},
    "venus_a_147": {},
    "venus_a_149": {},
    "venus_d_150": {},
    "venus_e2_153": {"PV.GetStatus": (-32601, None), "EM.GetStatus": (-32601, None)},
    "venus_e2_154": {"PV.GetStatus": (-32601, None), "EM.GetStatus": (-32601, None)},
    "venus_c_153": {"PV.GetStatus": (-32601, None), "EM.GetStatus": (-32601, None)},
    "venus_mini_300": {"PV.GetStatus": (-32601, None)},
}
SRC_PREFIX = {
    "venus_e3": "VenusE 3.0-",
    "venus_e2": "VenusE-",
    "venus_c": "VenusC-",
    "venus_a": "VenusA-",
    "venus_d": "VenusD-",
    "venus_mini": "VNSEM-0-",
}
# Wednesday 12:00 on the RTC: sun on the panels.
NOON = datetime(2026, 6, 3, 12, 0)


def test_required_profiles_exist() -> None:
    assert set(SUPPORT) <= set(PROFILES)


@pytest.mark.parametrize("key", sorted(SUPPORT))
async def test_read_methods(key: str, make_battery: BatteryFactory, client: RawClient) -> None:
    """Every read answers, errs or stays silent exactly as the firmware does."""
    battery = await make_battery(key, clock=ManualClock(NOON))
    expected = SUPPORT[key]
    for method in READS:
        request_id = client.send(battery.address, method)
        behaviour = expected.get(method, "ok")
        if behaviour is None:
            assert await client.nothing(), f"{key} must not answer {method}"
            continue
        reply, source, raw = await client.receive()
        assert source == battery.address
        assert reply["id"] == request_id
        assert reply["src"] == SRC_PREFIX[battery.profile.family] + battery.ble_mac
        assert raw.startswith(b'{\n\t"id":\t'), "cJSON pretty-printed with tabs"
        if behaviour == "ok":
            assert "result" in reply, (method, reply)
        else:
            code, data = behaviour  # type: ignore[misc]
            assert reply["error"]["code"] == code
            assert reply["error"].get("data") == data
            assert reply["error"]["message"] == "Method not found"
    assert battery.violations == []


@pytest.mark.parametrize("key", sorted(SUPPORT))
async def test_get_device(key: str, make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(key)
    reply = await client.call(battery.address, "Marstek.GetDevice", {"ble_mac": "0"})
    result = reply["result"]
    assert result["device"] == battery.profile.device
    assert result["ver"] == battery.profile.firmware
    assert result["ip"] == battery.host
    if key == "venus_c_153":
        assert "ble_mac" not in result  # only in `src`
        assert "wifi_mac" not in result
    else:
        assert result["ble_mac"] == battery.ble_mac
        assert re.fullmatch(r"[0-9a-f]{12}", result["wifi_mac"])


async def test_e3_wifi_mac_is_shared_bssid(make_battery: BatteryFactory, client: RawClient) -> None:
    """Every Venus E 3.0 reports the access point's BSSID as its wifi_mac."""
    first = await make_battery("venus_e3_150")
    second = await make_battery("venus_e3_139")
    other = await make_battery("venus_a_149")
    macs = []
    for battery in (first, second, other):
        reply = await client.call(battery.address, "Marstek.GetDevice", {"ble_mac": "0"})
        macs.append(reply["result"]["wifi_mac"])
    assert macs[0] == macs[1] != macs[2]
    assert first.ble_mac != second.ble_mac


def test_ble_mac_is_deterministic() -> None:
    one = SimulatedBattery("venus_e3_150", "127.0.9.1", 30000)
    two = SimulatedBattery("venus_e3_150", "127.0.9.1", 30000)
    three = SimulatedBattery("venus_e3_150", "127.0.9.2", 30000)
    assert one.ble_mac == two.ble_mac != three.ble_mac
    assert SimulatedBattery("venus_a_149", ble_mac="AABBCCDDEEFF").ble_mac == "aabbccddeeff"


async def test_e3_139_encodings(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery("venus_e3_139", soc=85, clock=ManualClock(NOON))
    bat = (await client.call(battery.address, "Bat.GetStatus"))["result"]
    assert bat["soc"] == 85
    assert bat["bat_temp"] == pytest.approx(battery.physics.temperature() * 10)  # tenths
    assert bat["bat_temp"] > 100
    assert bat["bat_capacity"] == pytest.approx(5120 * 0.85 / 10, abs=1)  # tens of Wh
    assert bat["rated_capacity"] == 5120.0
    mode = (await client.call(battery.address, "ES.GetMode"))["result"]
    assert list(mode) == [
        "id", "mode", "ongrid_power", "offgrid_power", "bat_soc",
        "ct_state", "a_power", "b_power", "c_power", "total_power",
    ]  # fmt: skip
    assert mode["ct_state"] == 0  # CT block zeroed in Auto


async def test_float_fields_print_with_decimal(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery("venus_e3_150", soc=25)
    client.send(battery.address, "Bat.GetStatus")
    _, _, raw = await client.receive()
    assert b'"rated_capacity":\t5120.0' in raw
    assert b'"bat_capacity":\t1280.0' in raw
    assert re.search(rb'"bat_temp":\t\d+\.0\b', raw)
    assert b'"soc":\t25,' in raw


async def test_e3_144_core_getmode_no_bat_power(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery("venus_e3_144", soc=99)
    mode = (await client.call(battery.address, "ES.GetMode"))["result"]
    assert set(mode) == {"id", "mode", "ongrid_power", "offgrid_power", "bat_soc"}
    es = (await client.call(battery.address, "ES.GetStatus"))["result"]
    assert "bat_power" not in es
    assert es["bat_cap"] == 5120
    assert es["total_load_energy"] == 0
    bat = (await client.call(battery.address, "Bat.GetStatus"))["result"]
    assert bat["bat_temp"] < 60  # plain °C from 144 on
    assert bat["bat_capacity"] == pytest.approx(5120 * 0.99, abs=1)


async def test_e3_150_ct_zero_in_auto_live_in_ai(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery("venus_e3_150", clock=ManualClock(NOON))
    battery.set_house_load(1000)
    battery.set_house_solar(0)
    battery.set_soc(12)  # at the DOD floor: the battery cannot cover the load
    auto = (await client.call(battery.address, "ES.GetMode"))["result"]
    assert auto["mode"] == "Auto"
    assert auto["ct_state"] == 0
    assert auto["total_power"] == auto["input_energy"] == 0
    meter = (await client.call(battery.address, "EM.GetStatus"))["result"]
    assert meter["ct_state"] == 1
    assert meter["total_power"] == 1000  # grid import
    assert meter["a_power"] + meter["b_power"] + meter["c_power"] == 1000
    reply = await client.call(
        battery.address,
        "ES.SetMode",
        {"id": 0, "config": {"mode": "AI", "ai_cfg": {"enable": 1}}},
    )
    assert reply["result"] == {"id": 0, "set_result": True}
    ai = (await client.call(battery.address, "ES.GetMode"))["result"]
    assert ai["mode"] == "AI"
    assert ai["ct_state"] == 1
    assert ai["total_power"] == 1000


async def test_em_energy_in_tenths_of_wh(make_battery: BatteryFactory, client: RawClient) -> None:
    clock = ManualClock(NOON)
    battery = await make_battery("venus_e3_150", clock=clock, soc=12)
    battery.set_house_load(500)
    battery.set_house_solar(0)
    clock.advance(3600)
    meter = (await client.call(battery.address, "EM.GetStatus"))["result"]
    assert meter["input_energy"] == pytest.approx(5000, abs=2)  # 500 Wh in 0.1 Wh
    assert meter["output_energy"] == 0


async def test_venus_a_147_pv_quirks(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery("venus_a_147", clock=ManualClock(NOON))
    battery.set_pv(800)  # 200 W per channel
    pv = (await client.call(battery.address, "PV.GetStatus"))["result"]
    assert pv["pv1_power"] == 2000  # tenths of a watt
    assert pv["pv2_power"] == pv["pv3_power"] == pv["pv4_power"] == 200
    assert pv["pv1_state"] == 1
    for channel in range(1, 5):
        volts, amps = pv[f"pv{channel}_voltage"], pv[f"pv{channel}_current"]
        assert isinstance(volts, int)
        assert amps == int(200 / volts)  # whole amps, truncated
    es = (await client.call(battery.address, "ES.GetStatus"))["result"]
    assert es["pv_power"] == 0  # hard-coded on 147
    assert es["total_pv_energy"] == 0
    assert "bat_power" not in es
    bat = (await client.call(battery.address, "Bat.GetStatus"))["result"]
    assert bat["rated_capacity"] == 2080.0
    assert "bat_voltage" not in bat


async def test_venus_a_149_pv_energy_in_centi_kwh(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    clock = ManualClock(NOON)
    battery = await make_battery("venus_a_149", clock=clock, soc=20)
    battery.set_pv(400)
    clock.advance(3600)  # 400 Wh of PV
    es = (await client.call(battery.address, "ES.GetStatus"))["result"]
    assert es["pv_power"] == 400
    assert es["total_pv_energy"] == 40  # 0.01 kWh units
    pv = (await client.call(battery.address, "PV.GetStatus"))["result"]
    assert pv["pv1_power"] == 1000


async def test_venus_a_149_meter_energy_stays_zero(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    """fw 149 meters the flow but sends its EM and GetMode energy counters as 0 (issue 9)."""
    clock = ManualClock(NOON)
    battery = await make_battery("venus_a_149", clock=clock, soc=50)
    battery.set_pv(0)
    battery.set_house_load(600)
    await _discharge_passive(client, battery, 0)  # the house imports all of its load
    clock.advance(3600)
    meter = (await client.call(battery.address, "EM.GetStatus"))["result"]
    assert meter["total_power"] == 600
    assert meter["input_energy"] == meter["output_energy"] == 0
    ai = {"id": 0, "config": {"mode": "AI", "ai_cfg": {"enable": 1}}}
    reply = await client.call(battery.address, "ES.SetMode", ai)
    assert reply["result"]["set_result"] is True
    mode = (await client.call(battery.address, "ES.GetMode"))["result"]
    assert mode["ct_state"] == 1  # the CT block is live in AI ...
    assert mode["input_energy"] == mode["output_energy"] == 0  # ... its counters are not


async def test_e3_139_getmode_tracks_the_battery(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    """fw 139 has no ES.GetStatus; ES.GetMode's ongrid_power shows the battery's AC flow."""
    battery = await make_battery("venus_e3_139", clock=ManualClock(NOON), soc=50)
    await _discharge_passive(client, battery, 700)
    mode = (await client.call(battery.address, "ES.GetMode"))["result"]
    assert mode["ongrid_power"] == 700
    assert mode["offgrid_power"] == 0
    assert "input_energy" not in mode


async def test_venus_e2_153_encodings(make_battery: BatteryFactory, client: RawClient) -> None:
    clock = ManualClock(NOON)
    battery = await make_battery("venus_e2_153", clock=clock, soc=50)
    await _discharge_passive(client, battery, 1000)
    clock.advance(3600)
    es = (await client.call(battery.address, "ES.GetStatus"))["result"]
    assert es["ongrid_power"] == 1000
    assert es["bat_power"] == -10000  # 0.1 W, + = charging
    assert es["total_grid_output_energy"] == 100  # raw x 10 = Wh
    bat = (await client.call(battery.address, "Bat.GetStatus"))["result"]
    remaining = battery.state.remaining_energy
    assert bat["bat_capacity"] == pytest.approx(remaining * 100, abs=1)
    assert bat["bat_voltage"] > 4800  # centivolts
    assert bat["bat_current"] < 0  # discharging
    assert bat["error_code"] == 0
    mode = (await client.call(battery.address, "ES.GetMode"))["result"]
    assert "input_energy" not in mode
    assert "ct_state" in mode


async def test_venus_e2_154_encodings(make_battery: BatteryFactory, client: RawClient) -> None:
    clock = ManualClock(NOON)
    battery = await make_battery("venus_e2_154", clock=clock, soc=50)
    await _discharge_passive(client, battery, 1000)
    clock.advance(3600)
    es = (await client.call(battery.address, "ES.GetStatus"))["result"]
    assert es["bat_power"] == -1000  # W
    assert es["total_grid_output_energy"] == 10  # raw x 100 = Wh
    bat = (await client.call(battery.address, "Bat.GetStatus"))["result"]
    assert bat["bat_temp"] == pytest.approx(battery.physics.temperature() / 10, abs=0.051)
    assert bat["bat_capacity"] == pytest.approx(battery.state.remaining_energy, abs=1)


async def test_mini_slots_and_passive(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery("venus_mini_300")
    assert len(battery.state.manual_periods) == 6
    reply = await client.call(battery.address, "ES.SetMode", manual_params(slot=6))
    assert reply["error"]["code"] == -32602
    reply = await client.call(battery.address, "ES.SetMode", manual_params(slot=5, power=-1000))
    assert reply["result"]["set_result"] is True
    reply = await client.call(battery.address, "ES.SetMode", passive_params(500, 600))
    assert reply["result"]["set_result"] is False  # rejected on fw 300
    assert battery.state.mode == "Manual"


async def _discharge_passive(client: RawClient, battery: SimulatedBattery, watts: int) -> None:
    reply = await client.call(battery.address, "ES.SetMode", passive_params(watts, 86400))
    assert reply["result"]["set_result"] is True
