"""``python -m scripts.smoke``: one battery, the newest Home Assistant, set up over HTTP.

1. the simulated battery on a loopback address and a free UDP port (simulator.py);
2. ``hass -c CONFIG`` with a fresh configuration (config.py), HTTP on a free loopback port;
3. the owner user through onboarding (/api/onboarding/users, /auth/token), then the battery
   through the integration's config flow (the manual host/port step: the scan finds nothing
   on loopback);
4. checks: the SOC sensor holds a number, the entities have states, select.select_option
   reaches the battery and the select follows, the simulator saw no breach of the device's
   safety rules, and home-assistant.log holds nothing from the integration at WARNING or
   above and no deprecation naming it (logcheck.py; Home Assistant's own warnings are listed);
5. Home Assistant and the battery stopped, the timings printed; exit 1 on any failure.

Python's DeprecationWarnings are switched on for Home Assistant (Home Assistant logs them), so
a deprecated call in the integration shows up in the log it is checked in.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from scripts.devenv.provision import (
    Battery as Provisioned,
    HomeAssistantApi,
    ProvisionError,
    add_battery,
    wait_loaded,
)

from . import logcheck
from .checks import SmokeFailure, entities_with_values, entity_ids, soc, switch_mode
from .config import DOMAIN, write_config
from .processes import free_port, spawn, stop, tail
from .simulator import Battery, SimulatorError, start_battery

START_TIMEOUT = 300.0  # s: Home Assistant's first start on a busy 2-core machine
ENTRY_TIMEOUT = 120.0  # s: the config entry loaded
VALUE_TIMEOUT = 60.0  # s: the first SOC value, the mode switch
STOP_GRACE = 60.0  # s
OWNER = ("smoke", "marstek-smoke", "Smoke")  # username, password, name
WARNINGS = "default::DeprecationWarning,default::PendingDeprecationWarning"
SHOWN_WARNINGS = 15
CORE_FAILED = "Home Assistant core failed to initialize"


def say(message: str) -> None:
    print(f"smoke: {message}", flush=True)


@dataclass(slots=True)
class Outcome:
    """The checks (name, passed, detail) and timings (label, seconds) of one run."""

    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)

    def check(self, name: str, passed: bool, detail: str = "") -> None:
        self.checks.append((name, passed, detail))
        say(f"{'ok  ' if passed else 'FAIL'} {name}{f': {detail}' if detail else ''}")

    def time(self, label: str, since: float) -> None:
        self.timings.append((label, time.monotonic() - since))

    @property
    def failed(self) -> int:
        return sum(1 for _, passed, _ in self.checks if not passed)


async def provision(api: HomeAssistantApi, battery: Battery, outcome: Outcome) -> None:
    """Steps 3 and 4 against a Home Assistant whose HTTP server answers."""
    await api.log_in(*OWNER)
    outcome.check("onboarding: owner user created, access token issued", True)
    await api.wait_until_running(START_TIMEOUT)
    flow_start = time.monotonic()
    target = Provisioned(battery.host, battery.port, battery.ble_mac, "the simulated battery")
    if (added := await add_battery(api, target)) != "added":
        raise SmokeFailure(f"config flow: {added}")
    await wait_loaded(api, [target], ENTRY_TIMEOUT)
    # From the flow's start: its scan (a few seconds, finding nothing on loopback), the manual
    # step and the entry's set-up, which Home Assistant finishes before it answers that step.
    outcome.time("entry set up", flow_start)
    outcome.check(
        "config flow (manual step) made an entry that loaded", True, target.entry_id or ""
    )
    ids = await entity_ids(api, battery.ble_mac)
    if "sensor.state_of_charge" not in ids or "select.operating_mode" not in ids:
        raise SmokeFailure(f"no SOC sensor or mode select among {sorted(ids)}")
    value = await soc(api, ids["sensor.state_of_charge"], VALUE_TIMEOUT)
    outcome.time("first SOC value", flow_start)
    outcome.check("SOC sensor holds a number", True, f"{ids['sensor.state_of_charge']} = {value}")
    total, valued = await entities_with_values(api, ids)
    outcome.check(
        "entities have states",
        total == len(ids) and valued > 0,
        f"{total} of {len(ids)} enabled entities have a state, {valued} a value",
    )
    switched = time.monotonic()
    change = await switch_mode(api, ids["select.operating_mode"], battery, VALUE_TIMEOUT)
    outcome.time("mode switch reached the battery", switched)
    outcome.check("select.select_option reached the battery, the select follows", True, change)


async def smoke(work: Path, *, listen: str, battery_host: str) -> Outcome:
    outcome = Outcome()
    battery: Battery | None = None
    hass: asyncio.subprocess.Process | None = None
    step = "simulated battery"
    try:
        since = time.monotonic()
        battery = await start_battery(work, battery_host, 30.0)
        outcome.time("simulator serving", since)
        say(f"battery {battery.ble_mac} at {battery.host}:{battery.port} (UDP)")
        step = "Home Assistant start"
        http_port = free_port(socket.SOCK_STREAM, listen)
        write_config(work / "config", listen=listen, http_port=http_port)
        started = time.monotonic()
        hass = await spawn(
            [str(Path(sys.executable).parent / "hass"), "-c", str(work / "config")],
            cwd=work,
            log=work / "hass.out",
            env={"PYTHONWARNINGS": WARNINGS},
        )
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, f"http://{listen}:{http_port}")
            process, output = hass, work / "hass.out"
            await api.wait_until_up(START_TIMEOUT, lambda: alive(process, output))
            outcome.time("Home Assistant answers HTTP", started)
            step = "set-up over HTTP"
            try:
                await provision(api, battery, outcome)
            finally:
                await api.close()
    except (SmokeFailure, ProvisionError, SimulatorError, aiohttp.ClientError, OSError) as err:
        outcome.check(step, False, str(err))
        say(f"last lines of Home Assistant's output:\n{tail(work / 'hass.out', 20)}")
    finally:
        since = time.monotonic()
        clean = await stop(hass, STOP_GRACE)
        if hass is not None:
            outcome.time("Home Assistant stopped", since)
            outcome.check("Home Assistant stopped on SIGTERM", clean, f"exit {hass.returncode}")
        if battery is not None:
            violations = battery.state()["violations"]
            outcome.check(
                "no breach of the battery's safety rules", not violations, str(violations or "")
            )
            await stop(battery.process, 10.0)
    check_log(work / "config" / "home-assistant.log", work / "hass.out", outcome)
    return outcome


def alive(process: asyncio.subprocess.Process, output: Path) -> bool:
    """Still starting: Home Assistant stays up when its core fails to start (a missing
    requirement), serving nothing; the smoke run gives up at once then."""
    return process.returncode is None and CORE_FAILED not in tail(output, 40)


def check_log(path: Path, console: Path, outcome: Outcome) -> None:
    try:
        with path.open(encoding="utf-8", errors="replace") as log:
            found = logcheck.records(log)
        with console.open(encoding="utf-8", errors="replace") as output:
            printed = logcheck.python_warnings(output)
    except OSError as err:
        outcome.check("home-assistant.log", False, str(err))
        return
    ours = [line for line in printed if DOMAIN in line]
    outcome.check("console: no Python warning from the integration", not ours, "\n".join(ours[:10]))
    bad = logcheck.problems(found)
    outcome.check(
        "home-assistant.log: no warning, error or deprecation from the integration",
        not bad,
        f"{len(bad)} records" if bad else f"{len(found)} records read",
    )
    for record in bad[:10]:
        print("\n".join(record.text.splitlines()[:20]), flush=True)
    if len(printed) > len(ours):
        say(f"Python warnings on the console, not from the integration: {len(printed) - len(ours)}")
    others = logcheck.other_warnings(found)
    if others:
        say(f"Home Assistant's own warnings and errors (not failing): {sum(others.values())}")
        for line, count in others.most_common(SHOWN_WARNINGS):
            print(f"    {count} x {line[:200]}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.smoke",
        description="Smoke run: the installed Home Assistant with one simulated battery.",
    )
    parser.add_argument("--work", type=Path, required=True, help="folder for config and logs")
    parser.add_argument("--listen", default="127.0.0.1", help="Home Assistant's HTTP address")
    parser.add_argument("--battery-host", default="127.0.0.2", help="the battery's address")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from homeassistant.const import __version__  # the Home Assistant this venv holds

    if args.work.exists():
        shutil.rmtree(args.work)
    args.work.mkdir(parents=True)
    say(f"Home Assistant {__version__}, Python {sys.version.split()[0]}, work folder {args.work}")
    outcome = asyncio.run(smoke(args.work, listen=args.listen, battery_host=args.battery_host))
    say("timings: " + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in outcome.timings))
    passed = len(outcome.checks) - outcome.failed
    print(f"smoke: {passed} passed, {outcome.failed} failed", flush=True)
    return 1 if outcome.failed else 0
