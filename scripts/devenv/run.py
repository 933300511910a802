"""scripts/develop: Home Assistant with two simulated Marstek batteries, in one command.

Starts the simulator (a Venus E 3.0 on firmware 150 and a Venus A on firmware 149 with four
PV inputs, on loopback addresses), then Home Assistant from .venv with a development
configuration in which onboarding is done, a demo user exists and the integration is set up
for both batteries, and prints the URL and the login. Ctrl-C stops everything it started.

The child processes run in sessions of their own (a Ctrl-C in the terminal reaches only this
script, which then stops Home Assistant before the batteries it talks to) and are told by the
kernel to stop if this script dies without cleaning up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import IO

import aiohttp

from .config import CONFIGURED_INTEGRATIONS, REPO, prepare_onboarding, write_config
from .processes import (
    claim_port,
    interesting_hass_line,
    pump,
    say,
    spawn,
    stop_process,
)
from .provision import (
    Battery,
    HomeAssistantApi,
    ProvisionError,
    add_battery,
    dismiss_stale_discovery_notice,
    find_entities,
    set_scan_interval,
    set_up_energy,
    wait_loaded,
)
from .requirements import missing

PYTHON = sys.executable
RESTART_EXIT_CODE = 100  # Home Assistant's "restart me" (Settings > System > Restart)

# The two batteries of the demo: (simulator profile, readable name).
PROFILES = (
    ("venus_e3_150", "Venus E 3.0 fw 150"),
    ("venus_a_149", "Venus A fw 149 (4 PV inputs)"),
)
DEMO_NAME = "Demo"
DEMO_USER = "demo"
DEMO_PASSWORD = "marstek-demo"
START_TIMEOUT = 600.0  # s: a first start on a slow machine builds the database and more


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description="Run Home Assistant with two simulated Marstek Venus batteries.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=REPO / ".develop",
        help="configuration folder (default .develop/; kept between starts)",
    )
    parser.add_argument("--reset", action="store_true", help="start with an empty folder")
    parser.add_argument(
        "--port", type=int, default=8123, help="HTTP port (default 8123; 0 picks a free one)"
    )
    parser.add_argument(
        "--listen",
        default="127.0.0.1",
        help="address the web UI listens on (default 127.0.0.1; 0.0.0.0 for other machines)",
    )
    parser.add_argument(
        "--hosts",
        default="127.0.0.2,127.0.0.3",
        help="loopback addresses of the two simulated batteries (default 127.0.0.2,127.0.0.3)",
    )
    parser.add_argument(
        "--udp-port",
        type=int,
        default=30000,
        help="the batteries' Open API port (default 30000; 0 picks a free one)",
    )
    parser.add_argument(
        "--grid-period",
        type=int,
        choices=(1, 10),
        default=1,
        help="s between two samples of the household's grid-power sensor "
        "(1: a DSMR 5 P1 meter, the default; 10: DSMR 4)",
    )
    parser.add_argument(
        "--grid-port",
        type=int,
        default=0,
        help="TCP port on 127.0.0.1 of the simulator's grid feed (default: a free one)",
    )
    parser.add_argument(
        "--follow-meter",
        action="store_true",
        help="the first battery follows an emulated Shelly Pro EM-50 (UDP 2223; add the "
        "meter entry with sensor.household_grid_power as its source)",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="show Home Assistant's whole log here"
    )
    args = parser.parse_args()
    hosts = [host.strip() for host in args.hosts.split(",") if host.strip()]
    if len(hosts) != len(PROFILES) or not all(host.startswith("127.") for host in hosts):
        parser.error(f"--hosts needs {len(PROFILES)} loopback (127.x.y.z) addresses")
    args.host_list = hosts
    return args


def install_requirements() -> None:
    """Install what Home Assistant would otherwise install silently on its first start."""
    needed = missing(CONFIGURED_INTEGRATIONS)
    if not needed:
        return
    say(
        "first start: installing Home Assistant's frontend and what the development "
        f"configuration needs into .venv ({', '.join(needed)}); this takes a minute"
    )
    started = time.monotonic()
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--progress-bar",
            "on",
            *needed,
        ],
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("scripts/develop: pip could not install the requirements (see above)")
    say(f"installed in {time.monotonic() - started:.0f} s")


async def read_simulator_banner(
    process: asyncio.subprocess.Process, count: int, log: IO[str]
) -> None:
    """Wait for the simulator to report each battery (or to fail to bind)."""
    assert process.stdout is not None
    seen = 0
    while seen < count:
        line = await process.stdout.readline()
        if not line:
            raise SystemExit(
                "scripts/develop: the simulator stopped (a port in use? see above); "
                "try --hosts or --udp-port"
            )
        text = line.decode(errors="replace").rstrip()
        log.write(text + "\n")
        print(f"  {text}", flush=True)
        if " at " in text and text.startswith("simulator: ") and "fw" in text:
            seen += 1


def battery_list(args: argparse.Namespace, state_file: Path) -> list[Battery]:
    state = json.loads(state_file.read_text(encoding="utf-8"))
    batteries = []
    for (_, label), host, published in zip(
        PROFILES, args.host_list, state["batteries"], strict=True
    ):
        batteries.append(Battery(host, args.udp_port, published["ble_mac"], label))
    return batteries


async def provision(
    api: HomeAssistantApi, batteries: list[Battery], alive: Callable[[], bool]
) -> None:
    say("waiting for Home Assistant's web server (the first start takes longest)")
    await api.wait_until_up(START_TIMEOUT, alive)
    await api.log_in(DEMO_USER, DEMO_PASSWORD, DEMO_NAME)
    await api.wait_until_running(START_TIMEOUT)
    for battery in batteries:
        outcome = await add_battery(api, battery)
        say(f"{battery.label} at {battery.host}:{battery.port}: {outcome}")
    await wait_loaded(api, batteries, 120)
    for battery in batteries:
        assert battery.entry_id is not None
        await set_scan_interval(api, battery.entry_id)
    await wait_loaded(api, batteries, 120)
    await find_entities(api, batteries)
    if await set_up_energy(api, batteries):
        say("Energy panel set up with the batteries' meter, PV and battery totals")
    await dismiss_stale_discovery_notice(api)


def banner(args: argparse.Namespace, url: str, batteries: list[Battery]) -> str:
    lines = [
        "",
        "Home Assistant with simulated Marstek batteries is ready:",
        "",
        f"  URL       {url}",
        f"  user      {DEMO_USER}",
        f"  password  {DEMO_PASSWORD}",
        "",
    ]
    for battery in batteries:
        lines.append(
            f"  {battery.label} at {battery.host}:{battery.port}: "
            f"{url}/config/devices/device/{battery.device_id}"
        )
    lines += [
        "",
        f"  config    {args.config}  (log: {args.config / 'home-assistant.log'})",
        f"  batteries {args.config / 'simulator.json'}  (the simulator's own view, every second)",
        f"  grid      sensor.household_grid_power  (the first battery's house, every "
        f"{args.grid_period} s, from http://127.0.0.1:{args.grid_port}/)",
        "",
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


def prepare(args: argparse.Namespace) -> None:
    """Everything before the processes start: ports, packages, configuration."""
    args.config = args.config.resolve()
    if args.reset and args.config.exists():
        say(f"--reset: removing {args.config}")
        shutil.rmtree(args.config)
    args.port = claim_port(socket.SOCK_STREAM, args.listen, args.port)
    # Home Assistant binds the batteries' port on 127.0.0.1 to hear their replies.
    args.udp_port = claim_port(socket.SOCK_DGRAM, "127.0.0.1", args.udp_port)
    # The simulator serves the household's grid power here; Home Assistant's rest sensor reads it.
    args.grid_port = claim_port(socket.SOCK_STREAM, "127.0.0.1", args.grid_port)
    install_requirements()
    write_config(
        args.config,
        listen=args.listen,
        http_port=args.port,
        grid_port=args.grid_port,
        grid_period=args.grid_period,
    )
    prepare_onboarding(args.config)
    (args.config / "simulator.json").unlink(missing_ok=True)


async def run(args: argparse.Namespace) -> int:
    config_dir: Path = args.config
    state_file = config_dir / "simulator.json"
    url_host = "127.0.0.1" if args.listen in ("0.0.0.0", "") else args.listen
    url = f"http://{url_host}:{args.port}"

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)

    simulator: asyncio.subprocess.Process | None = None
    hass: asyncio.subprocess.Process | None = None
    tasks: list[asyncio.Task[None]] = []
    sim_log = (config_dir / "simulator.log").open("a", encoding="utf-8")
    hass_log = (config_dir / "console.log").open("a", encoding="utf-8")
    try:
        say(f"starting the simulated batteries on {', '.join(args.host_list)} port {args.udp_port}")
        specs = [
            f"{profile}@{host}:{args.udp_port}"
            for (profile, _), host in zip(PROFILES, args.host_list, strict=True)
        ]
        simulator = await spawn(
            PYTHON,
            "-m",
            "scripts.devenv.batteries",
            "--state",
            str(state_file),
            "--grid-feed",
            str(args.grid_port),
            "--grid-period",
            str(args.grid_period),
            *(["--follow-meter", "proem50"] if args.follow_meter else []),
            *specs,
        )
        await read_simulator_banner(simulator, len(specs), sim_log)
        tasks.append(asyncio.create_task(pump(simulator, sim_log, lambda _: False, "")))
        batteries = battery_list(args, state_file)

        async def start_hass() -> asyncio.subprocess.Process:
            say(f"starting Home Assistant ({config_dir})")
            process = await spawn(
                PYTHON,
                "-m",
                "scripts.devenv.hass",
                "--config",
                str(config_dir),
                env={"MARSTEK_DEVELOP_SCAN_TARGETS": ",".join(args.host_list)},
            )
            tasks.append(
                asyncio.create_task(
                    pump(process, hass_log, interesting_hass_line(args.verbose), "  hass: ")
                )
            )
            return process

        hass = await start_hass()
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, url)
            provisioning = asyncio.create_task(
                provision(api, batteries, lambda: hass is not None and hass.returncode is None)
            )
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({provisioning, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                provisioning.cancel()
                with contextlib.suppress(asyncio.CancelledError, ProvisionError):
                    await provisioning
                return 130
            stopping.cancel()
            try:
                provisioning.result()
            except ProvisionError as err:
                say(f"error: {err} (log: {config_dir / 'home-assistant.log'})")
                return 1
            finally:
                await api.close()
        say(f"ready after {time.monotonic() - started:.0f} s")
        (config_dir / "develop.json").write_text(
            json.dumps(
                {
                    "url": url,
                    "username": DEMO_USER,
                    "password": DEMO_PASSWORD,
                    "simulator_state": str(state_file),
                    "batteries": [asdict(battery) for battery in batteries],
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(banner(args, url, batteries), flush=True)

        # Run until Ctrl-C, or until a child ends. Home Assistant's own "Restart" (exit 100)
        # starts it again.
        while True:
            waiters = {
                asyncio.create_task(stop.wait()): "stop",
                asyncio.create_task(hass.wait()): "hass",
                asyncio.create_task(simulator.wait()): "simulator",
            }
            done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            reason = waiters[done.pop()]
            if reason == "hass" and hass.returncode == RESTART_EXIT_CODE:
                hass = await start_hass()
                continue
            if reason == "stop":
                print(flush=True)
                say("stopping")
                return 0
            say(f"{'Home Assistant' if reason == 'hass' else 'the simulator'} stopped; stopping")
            return 1
    finally:
        await stop_process(hass, "Home Assistant", 60)
        await stop_process(simulator, "the simulator", 10)
        for pumping in tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(pumping, 5)
        sim_log.close()
        hass_log.close()
        if stop.is_set():
            say("stopped")


def main() -> int:
    args = parse_args()
    prepare(args)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
