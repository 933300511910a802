"""Each injected fault behaves as documented, over real UDP."""

from __future__ import annotations

import asyncio

import pytest

from simulator import Faults, Outcome, SimulatedBattery

from .conftest import HOSTS, BatteryFactory
from .udp import RawClient, passive_params


async def test_reply_goes_to_listen_port_by_default(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    """Real firmware answers (sender IP, its own listen port), not the sender's port."""
    battery = await make_battery()
    ephemeral = await RawClient().open()  # some other port on 127.0.0.1
    try:
        ephemeral.send(battery.address, "ES.GetMode")
        assert await ephemeral.nothing()
        reply, source, _ = await client.receive()  # arrives at 127.0.0.1:<listen port>
        assert source == battery.address
        assert reply["result"]["mode"] == "Auto"
    finally:
        ephemeral.close()


async def test_reply_to_source_port(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(faults=Faults(reply_to_source_port=True))
    ephemeral = await RawClient().open()
    try:
        reply = await ephemeral.call(battery.address, "ES.GetMode")
        assert reply["result"]["mode"] == "Auto"
        assert await client.nothing()
    finally:
        ephemeral.close()


async def test_total_loss(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(faults=Faults(loss=1.0))
    client.send(battery.address, "ES.GetMode")
    assert await client.nothing()
    assert [r.outcome for r in battery.requests] == [Outcome.LOST_REQUEST]


async def test_loss_is_deterministic_with_a_seed(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    """Two batteries with the same seed and identity drop the same requests and replies."""
    outcomes = []
    for host in (HOSTS[0], HOSTS[1]):
        battery = await make_battery(
            host=host, ble_mac="aabbccddeeff", seed=7, faults=Faults(loss=0.5)
        )
        for _ in range(30):
            client.send(battery.address, "ES.GetMode")
            await client.nothing(0.005)  # drain
        # Every request is recorded, lost or not; on a loaded machine the last ones may still
        # be on their way to the battery when the loop above ends.
        for _ in range(1000):
            if len(battery.requests) == 30:
                break
            await asyncio.sleep(0.01)
        outcomes.append([r.outcome for r in battery.requests])
        await battery.stop()
    assert outcomes[0] == outcomes[1]
    assert {Outcome.LOST_REQUEST, Outcome.LOST_REPLY, Outcome.REPLIED} == set(outcomes[0])


async def test_latency(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(faults=Faults(latency=0.3))
    client.send(battery.address, "ES.GetMode")
    assert await client.nothing(0.1)
    reply, _, _ = await client.receive(2.0)
    assert reply["result"]["mode"] == "Auto"


async def test_duplicate_replies(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery("venus_e3_139", faults=Faults(duplicate_replies=1.0))
    request_id = client.send(battery.address, "ES.GetMode")
    first, _, _ = await client.receive()
    second, _, _ = await client.receive()
    assert first == second
    assert first["id"] == request_id


async def test_ct_contention(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(faults=Faults(ct_contention=1.0))
    reply = await client.call(battery.address, "ES.GetMode", request_id=321)
    assert reply["id"] == 0
    assert reply["error"] == {"code": -32700, "message": "Parse error", "data": 403}
    assert battery.requests[-1].outcome is Outcome.CONTENTION


async def test_reject_first_write(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(faults=Faults(reject_first_write=True))
    params = passive_params(-800, 600)
    first = await client.call(battery.address, "ES.SetMode", params)
    assert first["result"]["set_result"] is False
    assert battery.state.mode == "Auto"
    second = await client.call(battery.address, "ES.SetMode", params)
    assert second["result"]["set_result"] is True
    assert battery.state.mode == "Passive"
    # Each write method is refused once.
    dod = await client.call(battery.address, "DOD.SET", {"value": 50})
    assert dod["result"]["set_result"] is False
    dod = await client.call(battery.address, "DOD.SET", {"value": 50})
    assert dod["result"]["set_result"] is True
    # Reads are never refused.
    assert "result" in await client.call(battery.address, "ES.GetMode")


async def test_silent(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    battery.set_silent(True)
    client.send(battery.address, "ES.SetMode", passive_params(500, 60))
    assert await client.nothing()
    assert battery.state.mode == "Auto"  # switched-off API does not act either
    assert battery.requests[-1].outcome is Outcome.SILENT
    battery.set_silent(False)
    assert "result" in await client.call(battery.address, "ES.GetMode")


async def test_empty_datagram_freezes_until_reboot(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery(reboot_duration=0.1)
    client.send_raw(b"", battery.address)
    await asyncio.sleep(0.02)
    assert battery.frozen
    client.send(battery.address, "ES.GetMode")
    assert await client.nothing()
    assert battery.requests[-1].outcome is Outcome.FROZEN
    battery.reboot()
    assert not battery.frozen
    client.send(battery.address, "ES.GetMode")
    assert await client.nothing(0.05)  # still booting
    assert battery.requests[-1].outcome is Outcome.REBOOTING
    await asyncio.sleep(0.1)
    assert "result" in await client.call(battery.address, "ES.GetMode")


async def test_freeze_can_be_disabled(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(faults=Faults(freeze_on_empty=False))
    client.send_raw(b"", battery.address)
    assert "result" in await client.call(battery.address, "ES.GetMode")
    assert not battery.frozen


async def test_reboot_keeps_settings_unless_reset(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery(reboot_duration=0.0)
    await client.call(battery.address, "ES.SetMode", passive_params(300, 600))
    await client.call(battery.address, "DOD.SET", {"value": 60})
    battery.reboot()
    assert battery.state.mode == "Passive"
    assert battery.state.dod == 60
    battery.reboot(reset_settings=True)
    assert battery.state.mode == "Auto"
    assert battery.state.dod == 88


async def test_faults_change_at_run_time(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    battery.faults.loss = 1.0
    client.send(battery.address, "ES.GetMode")
    assert await client.nothing()
    battery.faults.loss = 0.0
    assert "result" in await client.call(battery.address, "ES.GetMode")


async def test_change_ip(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    old = battery.address
    await battery.change_ip(HOSTS[5])
    assert battery.host == HOSTS[5]
    client.send(old, "Marstek.GetDevice", {"ble_mac": "0"})
    assert await client.nothing()
    reply = await client.call(battery.address, "Marstek.GetDevice", {"ble_mac": "0"})
    assert reply["result"]["ip"] == HOSTS[5]
    assert reply["result"]["ble_mac"] == battery.ble_mac  # same battery


async def test_stop_cancels_pending_replies(client: RawClient) -> None:
    """Stopping with replies in flight leaves no timer behind (phcc's verify_cleanup)."""
    battery = SimulatedBattery(
        "venus_e3_150", HOSTS[6], client.port, faults=Faults(latency=5.0), min_gap=0
    )
    async with battery:
        client.send(battery.address, "ES.GetMode")
        await asyncio.sleep(0.02)
    assert not battery.running


@pytest.mark.parametrize(
    "faults",
    [Faults(loss=1.5), Faults(duplicate_replies=-0.1), Faults(ct_contention=2), Faults(latency=-1)],
)
def test_invalid_faults(faults: Faults) -> None:
    with pytest.raises(ValueError):
        SimulatedBattery(faults=faults)


async def test_max_requests_bounds_memory(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(max_requests=3)
    for _ in range(10):
        await client.call(battery.address, "ES.GetMode")
    assert 3 <= len(battery.requests) < 6
    assert battery.requests_total == 10
    assert battery.requests[-1].method == "ES.GetMode"


async def test_observers(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(min_gap=10)
    seen: list[object] = []
    battery.on_request = seen.append
    battery.on_violation = seen.append
    await client.call(battery.address, "ES.GetMode")
    await client.call(battery.address, "ES.GetMode")
    assert seen == [battery.requests[0], battery.violations[0], battery.requests[1]]
