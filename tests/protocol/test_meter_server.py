"""The emulated Shelly meter over real UDP on loopback: models, ids, decimals, size, phases."""

from __future__ import annotations

import json
import socket

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    SHELLY_MODELS,
    MarstekPortInUseError,
    MeterMethod,
    MeterReading,
    MeterServer,
    ReplyFormat,
    ShellyModel,
)
from custom_components.marstek_venus.pymarstek_venus.meter import EM_GEN3, PRO_3EM, PRO_EM50

from .meter_helpers import SERVER_HOST, numbers, pollers, request, result

DEVICE_ID = "ec4609c439c1"
MODELS = list(SHELLY_MODELS.values())


def serve(model: ShellyModel, reading: MeterReading | None, **kwargs: object) -> MeterServer:
    """A server for ``model`` on loopback, on as many OS-chosen ports as the model has."""
    return MeterServer(
        model,
        lambda _ip: reading,
        host=SERVER_HOST,
        ports=(0,) * len(model.ports),
        device_id=DEVICE_ID,
        **kwargs,  # type: ignore[arg-type]
    )


def test_model_table_matches_the_doc() -> None:
    """meter-emulation.md §1.2: the port and the method the battery uses for each choice."""
    assert {m.key: (m.ports, m.method) for m in MODELS} == {
        "shellypro3em": ((1010, 2220), MeterMethod.EM),
        "shellyemg3": ((2222,), MeterMethod.EM1),
        "shellyproem50": ((2223,), MeterMethod.EM1),
    }
    assert [m.three_phase for m in (PRO_3EM, EM_GEN3, PRO_EM50)] == [True, False, False]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.key)
async def test_each_port_answers_the_models_method(model: ShellyModel) -> None:
    async with serve(model, MeterReading.single(321.5)) as server, pollers("127.0.0.2") as (bat,):
        assert len(server.ports) == len(model.ports)
        for port in server.ports:
            reply = json.loads(await bat.poll(port, request(77, model.method)))
            assert reply["id"] == 77
            assert reply["src"] == f"{model.key}-{DEVICE_ID}"
            assert reply["dst"] == "unknown"
            key = "total_act_power" if model.three_phase else "act_power"
            assert reply["result"][key] == 321.5
            # The other method is another meter model: not ours to answer.
            other = MeterMethod.EM1 if model.three_phase else MeterMethod.EM
            await bat.refused(port, request(78, other), model.method)
        assert server.senders["127.0.0.2"].refused == {"wrong_method": len(model.ports)}
        assert server.senders["127.0.0.2"].served == 2 * len(model.ports)


@pytest.mark.parametrize("request_id", [0, 1, 9, 65535, 2**31 - 1, -5])
async def test_request_id_is_echoed(request_id: int) -> None:
    async with serve(PRO_EM50, MeterReading.single(10.0)) as server, pollers("127.0.0.2") as (bat,):
        reply = await bat.poll(server.ports[0], request(request_id))
    assert json.loads(reply)["id"] == request_id


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.key)
async def test_every_measured_value_has_a_decimal_point(model: ShellyModel) -> None:
    """The B2500 crashes on an integer power (§1.4): 1000 W goes out as 1000.00."""
    reading = MeterReading(1000.0, 0.0, -250.0)
    async with serve(model, reading) as server, pollers("127.0.0.2") as (bat,):
        reply = await bat.poll(server.ports[0], request(3, model.method))
    ints, floats = numbers(reply)
    assert ints == [3, 0]  # the request id and the component id, nothing else
    assert all("." in text and "e" not in text.lower() for text in floats)
    text = reply.decode()
    if model.three_phase:
        assert '"a_act_power":1000.00,' in text
        assert '"b_act_power":0.00,' in text
        assert '"total_act_power":750.00,' in text
    else:
        assert '"act_power":750.00,' in text


async def test_whole_values_can_be_nudged() -> None:
    """AstraMeter's and TibberPulse2Marstek's variant, as an option."""
    fmt = ReplyFormat(decimals=1, nudge_whole=True)
    async with (
        serve(PRO_EM50, MeterReading.single(1000.0), reply_format=fmt) as server,
        pollers("127.0.0.2") as (bat,),
    ):
        reply = await bat.poll(server.ports[0], request(1))
    assert '"act_power":1000.1,' in reply.decode()
    assert result(reply)["voltage"] == 230.1


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.key)
@pytest.mark.parametrize("power", [0.0, -1.37, 12345.678])
async def test_replies_are_at_least_250_bytes(model: ShellyModel, power: float) -> None:
    """The single "LAN mode" report (§1.4): short datagrams were ignored on a wired battery."""
    async with serve(model, MeterReading.single(power)) as server, pollers("127.0.0.2") as (bat,):
        reply = await bat.poll(server.ports[0], request(1, model.method))
    assert len(reply) >= 250
    assert reply.endswith(b"}")
    json.loads(reply)  # the padding keeps it valid JSON


async def test_single_phase_value_on_one_phase_only() -> None:
    """Phase detection needs the battery's burst on one phase (§1.4)."""
    async with (
        serve(PRO_3EM, MeterReading.single(500.0, phase=1)) as server,
        pollers("127.0.0.2") as (bat,),
    ):
        fields = result(await bat.poll(server.ports[0], request(1, MeterMethod.EM)))
    assert (fields["a_act_power"], fields["b_act_power"], fields["c_act_power"]) == (0, 500, 0)
    assert fields["total_act_power"] == 500.0
    assert fields["b_current"] == pytest.approx(500 / 230, abs=0.01)
    assert fields["a_current"] == 0.0


async def test_three_phases_and_their_total() -> None:
    reading = MeterReading(100.004, -40.0, 7.5)
    async with serve(PRO_3EM, reading) as server, pollers("127.0.0.2") as (bat,):
        fields = result(await bat.poll(server.ports[1], request(1, MeterMethod.EM)))
    phases = (fields["a_act_power"], fields["b_act_power"], fields["c_act_power"])
    assert phases == (100.0, -40.0, 7.5)
    assert fields["total_act_power"] == sum(phases)  # the total of the phases as written


async def test_em1_answers_the_sum_of_the_phases() -> None:
    async with (
        serve(EM_GEN3, MeterReading(100.0, 200.0, -50.0)) as server,
        pollers("127.0.0.2") as (bat,),
    ):
        fields = result(await bat.poll(server.ports[0], request(1)))
    assert fields["act_power"] == 250.0
    assert "a_act_power" not in fields


async def test_sign_positive_import_negative_export() -> None:
    async with (
        serve(PRO_EM50, MeterReading.single(-800.0)) as server,
        pollers("127.0.0.2") as (bat,),
    ):
        fields = result(await bat.poll(server.ports[0], request(1)))
    assert fields["act_power"] == -800.0
    assert fields["aprt_power"] == 800.0
    assert fields["pf"] == -1.0


async def test_port_in_use_names_the_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind((SERVER_HOST, 0))
        taken = int(holder.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((SERVER_HOST, 0))
            free = int(probe.getsockname()[1])
        server = MeterServer(PRO_3EM, lambda _ip: None, host=SERVER_HOST, ports=(free, taken))
        with pytest.raises(MarstekPortInUseError) as caught:
            await server.start()
    assert caught.value.port == taken
    assert str(taken) in str(caught.value)
    assert server.ports == ()
    # The port bound before the failure was released again.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind((SERVER_HOST, free))
