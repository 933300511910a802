"""The battery's request, how it reads a meter reply, and the per-model defaults."""

from __future__ import annotations

import pytest

from simulator import FollowerConfig, LawName, MeterModel, follower_config
from simulator.meter_reply import encode_request, read_reply


@pytest.mark.parametrize(
    ("model", "port", "method"),
    [
        (MeterModel.PRO3EM, 1010, "EM.GetStatus"),
        (MeterModel.PRO3EM_2220, 2220, "EM.GetStatus"),
        (MeterModel.EMG3, 2222, "EM1.GetStatus"),
        (MeterModel.PROEM50, 2223, "EM1.GetStatus"),
    ],
)
def test_the_model_fixes_port_and_method(model: MeterModel, port: int, method: str) -> None:
    config = FollowerConfig(model=model)
    assert (config.meter_port, model.method) == (port, method)
    assert FollowerConfig(model=model, port=40000).meter_port == 40000


def test_request_is_the_firmware_format_string() -> None:
    assert encode_request(9, "EM1.GetStatus") == (
        b'{"id":9,"method":"EM1.GetStatus","params":{"id":0}}'
    )


@pytest.mark.parametrize(
    ("family", "law", "interval", "whole"),
    [
        ("venus_e2", LawName.HMG50, 0.8, False),
        ("venus_c", LawName.HMG50, 0.8, False),
        ("venus_e3", LawName.VNSE3, 0.4, False),
        ("venus_d", LawName.VNSD, 1.0, False),
        ("venus_a", LawName.VNSE3, 0.4, False),
    ],
)
def test_family_defaults(family: str, law: LawName, interval: float, whole: bool) -> None:
    config = follower_config(family)
    assert (config.law, config.poll_interval, config.reject_whole_numbers) == (
        law,
        interval,
        whole,
    )
    assert (config.reply_timeout, config.misses_before_gone, config.on_gone) == (0.5, 5, "stop")
    assert follower_config(family, law=LawName.B2500).reject_whole_numbers


@pytest.mark.parametrize(
    ("host", "destination"),
    [
        ("192.168.1.40", "192.168.1.255"),
        ("127.0.11.5", "127.0.11.255"),
        ("0.0.0.0", "255.255.255.255"),
        ("not-an-ip", "255.255.255.255"),
    ],
)
def test_default_destination_is_the_slash_24_broadcast(host: str, destination: str) -> None:
    assert FollowerConfig().meter_address(host) == destination
    assert FollowerConfig(destination="10.0.0.7").meter_address(host) == "10.0.0.7"


EM_REPLY = (
    b'{"id":3,"src":"shellypro3em-0a1b2c3d4e5f","dst":"unknown","result":'
    b'{"a_act_power":100.5,"b_act_power":-20.25,"c_act_power":0.001,"total_act_power":80.251}}'
)
EM1_REPLY = (
    b'{"id":0,"src":"shellyproem50-ec4609c439c1","dst":"unknown","result":{"act_power":-1.37}}'
)


def test_em_reading_total_or_one_phase() -> None:
    assert read_reply(EM_REPLY, 3, FollowerConfig()).grid == pytest.approx(80.251)
    phase_b = FollowerConfig(phase="b")
    assert read_reply(EM_REPLY, 3, phase_b).grid == pytest.approx(-20.25)
    no_total = EM_REPLY.replace(b',"total_act_power":80.251', b"")
    assert read_reply(no_total, 3, FollowerConfig()).grid == pytest.approx(80.251)


def test_em1_reading_the_doc_vector_v11() -> None:
    config = FollowerConfig(model=MeterModel.PROEM50)
    # The doc's V11, a reply a Venus E accepted; its id 0 differs from the request's 5.
    assert read_reply(EM1_REPLY, 5, config).grid == pytest.approx(-1.37)
    assert (
        read_reply(EM1_REPLY, 5, FollowerConfig(model=MeterModel.PROEM50, check_id=True)).rejected
        == "id_mismatch"
    )
    emg3 = EM1_REPLY.replace(b"shellyproem50", b"shellyemg3")
    assert read_reply(emg3, 0, FollowerConfig(model=MeterModel.EMG3)).ok


@pytest.mark.parametrize(
    ("data", "config", "reason"),
    [
        (b"\xff\xfe", FollowerConfig(), "not_json"),
        (b"[1.5]", FollowerConfig(), "no_result"),
        (b'{"id":1,"result":{"act_power":5.5}}', FollowerConfig(), "unrecognised"),
        (
            b'{"id":1,"src":"shellypro3em-x","result":{"a_act_power":"5.5"}}',
            FollowerConfig(),
            "no_a_act_power",
        ),
        (
            b'{"src":"shellyproem50-x","result":{"act_power":true}}',
            FollowerConfig(model=MeterModel.PROEM50),
            "no_act_power",
        ),
        (
            b'{"src":"shellyproem50-x","result":{"act_power":12}}',
            FollowerConfig(model=MeterModel.PROEM50, reject_whole_numbers=True),
            "whole_number",
        ),
        (
            b'{"src":"shellyproem50-x","result":{"act_power":1e3}}',
            FollowerConfig(model=MeterModel.PROEM50, reject_whole_numbers=True),
            "whole_number",
        ),
        (EM_REPLY, FollowerConfig(min_reply_size=250), "short"),
    ],
)
def test_refusals(data: bytes, config: FollowerConfig, reason: str) -> None:
    reading = read_reply(data, 1, config)
    assert (reading.grid, reading.rejected) == (None, reason)


def test_whole_numbers_pass_where_the_doc_does_not_say_they_fail() -> None:
    data = b'{"id":1,"src":"shellyproem50-x","result":{"act_power":12}}'
    assert read_reply(data, 1, FollowerConfig(model=MeterModel.PROEM50)).grid == 12.0
    # Without the firmware's substring check any src passes.
    loose = FollowerConfig(model=MeterModel.PROEM50, require_shelly_src=False)
    assert read_reply(data.replace(b"shellyproem50-x", b"meter"), 1, loose).ok
