"""Passive confirmation over real UDP: only the delivered power confirms a passive write."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from types import FrameType

import pytest
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

import custom_components.marstek_venus as integration
from custom_components.marstek_venus.const import DOMAIN
from simulator import SimulatedBattery, get_profile

from .test_end_to_end import _free_udp_port, _setup_simulated

INTEGRATION = Path(integration.__file__).parent
SEND = str(Path("pymarstek_venus", "transport.py"))


@pytest.mark.usefixtures("socket_enabled")
async def test_delivered_power_confirms_over_real_udp(hass: HomeAssistant) -> None:
    """The simulated inverter delivers at most its limit; only the requested power confirms.

    This Venus E 3.0 has its output capped at 800 W in the Marstek app (which the Open API
    cannot read): asked for 1500 W it switches to Passive and delivers 800 W. That is reported
    (after one resend), not taken as done; 800 W itself is confirmed at the first send.
    """
    profile = replace(get_profile("venus_e3_150"), max_discharge=800)
    battery = SimulatedBattery(profile, "127.0.7.2", _free_udp_port(), min_gap=0.05, soc=80)
    await battery.start()
    try:
        entry = await _setup_simulated(hass, battery)
        target = {"config_entry_id": entry.entry_id, "duration": 600}
        with pytest.raises(
            HomeAssistantError, match="delivers 800 W instead of the requested 1500 W"
        ):
            await hass.services.async_call(
                DOMAIN, "set_passive_mode", {**target, "power": 1500}, blocking=True
            )
        assert battery.state.ac_power == pytest.approx(800)
        executed = [m for m, _ in battery.logic.executed_writes if m == "ES.SetMode"]
        assert len(executed) == 2  # the command and its one resend
        await hass.services.async_call(
            DOMAIN, "set_passive_mode", {**target, "power": 800}, blocking=True
        )
        executed = [m for m, _ in battery.logic.executed_writes if m == "ES.SetMode"]
        assert len(executed) == 3
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert battery.violations == []
    finally:
        await battery.stop()


@pytest.mark.usefixtures("socket_enabled")
async def test_the_passive_write_path_is_five_files(hass: HomeAssistant) -> None:
    """Select "passive" -> datagram: which of our files are on the stack as it leaves.

    Recorded with a profiler hook, nothing patched: the frames (coroutines included) from the
    transport's send up to the select entity. One write path, one lock: the select, the
    integration's control, the library's client, its session and its transport.
    """
    battery = SimulatedBattery("venus_e3_150", "127.0.7.3", _free_udp_port(), min_gap=0.05)
    await battery.start()
    paths: list[list[str]] = []

    def record(frame: FrameType, event: str, _arg: object) -> None:
        code = frame.f_code
        if event != "call" or code.co_name != "send" or not code.co_filename.endswith(SEND):
            return
        if b"ES.SetMode" not in frame.f_locals.get("payload", b""):
            return
        files: list[str] = []
        caller: FrameType | None = frame
        while caller is not None:
            path = Path(caller.f_code.co_filename)
            if INTEGRATION in path.parents:
                name = path.relative_to(INTEGRATION).as_posix()
                if name not in files:
                    files.append(name)
            caller = caller.f_back
        paths.append(files)

    try:
        entry = await _setup_simulated(hass, battery)
        sys.setprofile(record)
        try:
            await hass.services.async_call(
                SELECT_DOMAIN,
                SERVICE_SELECT_OPTION,
                {ATTR_ENTITY_ID: "select.marstek_venus_operating_mode", ATTR_OPTION: "passive"},
                blocking=True,
            )
        finally:
            sys.setprofile(None)
        assert paths, "no ES.SetMode datagram was sent"
        assert paths[0] == [
            "pymarstek_venus/transport.py",
            "pymarstek_venus/session.py",
            "pymarstek_venus/client.py",
            "control.py",
            "select.py",
        ]
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        await battery.stop()
