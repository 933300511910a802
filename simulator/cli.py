"""`python -m simulator`: serve simulated batteries until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .battery import DEFAULT_MIN_GAP, DEFAULT_PORT, SimulatedBattery
from .cli_meter import (
    add_meter_arguments,
    apply_household,
    start_followers,
    start_grid_feed,
    stop_followers,
    stop_grid_feed,
)
from .cli_types import checked
from .clock import ScaledClock
from .faults import Faults
from .profiles import PROFILES
from .records import RequestRecord, Violation
from .simulator import Simulator


def parse_battery_spec(spec: str, default_port: int = DEFAULT_PORT) -> tuple[str, str, int]:
    """Split ``PROFILE@HOST[:PORT]`` into its parts."""
    profile, sep, address = spec.partition("@")
    if not sep or not profile or not address:
        raise argparse.ArgumentTypeError(f"expected PROFILE@HOST[:PORT], got {spec!r}")
    if profile not in PROFILES:
        raise argparse.ArgumentTypeError(f"unknown profile {profile!r} (see --list-profiles)")
    host, sep, port_text = address.rpartition(":")
    if not sep:
        return profile, address, default_port
    try:
        port = int(port_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad port in {spec!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range in {spec!r}")
    return profile, host, port


def _start_time(text: str) -> datetime:
    if text == "now":
        return datetime.now().replace(microsecond=0)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'now' or an ISO date-time such as 2026-06-01T06:00, got {text!r}"
        ) from None


def _probability(text: str) -> float:
    return checked(
        text, float(text), lambda value: not 0.0 <= value <= 1.0, "is not a probability in [0, 1]"
    )


def _non_negative(text: str) -> float:
    return checked(text, float(text), lambda value: value < 0, "must not be negative")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Simulated Marstek Venus batteries speaking the local Open API over UDP.",
    )
    parser.add_argument(
        "--battery",
        "-b",
        action="append",
        default=[],
        metavar="PROFILE@HOST[:PORT]",
        help="serve one battery (repeatable), e.g. venus_e3_150@127.0.0.2:30000",
    )
    parser.add_argument(
        "--ble-mac",
        action="append",
        default=[],
        metavar="MAC",
        help="BLE MAC of the n-th --battery (12 hex digits; default derived from its address)",
    )
    parser.add_argument("--list-profiles", action="store_true", help="list profiles and exit")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default port")
    parser.add_argument("--seed", type=int, default=0, help="seed for faults and physics")
    parser.add_argument("--loss", type=_probability, default=0.0, help="drop probability")
    parser.add_argument("--latency", type=_non_negative, default=0.0, help="reply delay (s)")
    parser.add_argument("--jitter", type=_non_negative, default=0.0, help="+/- delay (s)")
    parser.add_argument(
        "--duplicates", type=_probability, default=0.0, help="duplicate-reply probability"
    )
    parser.add_argument(
        "--ct-contention",
        type=_probability,
        default=0.0,
        help="probability of a -32700/403 CT mutex error",
    )
    parser.add_argument(
        "--reject-first-write",
        action="store_true",
        help="answer set_result:false to the first write of each method",
    )
    parser.add_argument(
        "--reply-to-source-port",
        action="store_true",
        help="reply to the sender's port instead of the listen port",
    )
    parser.add_argument(
        "--min-gap",
        type=_non_negative,
        default=DEFAULT_MIN_GAP,
        help="device-safety minimum gap between requests from one client (s)",
    )
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="simulated seconds per real second"
    )
    parser.add_argument(
        "--start",
        type=_start_time,
        default="now",
        help="device RTC at start: 'now' (default) or an ISO date-time",
    )
    parser.add_argument("--soc", type=float, default=50.0, help="initial state of charge (%%)")
    parser.add_argument(
        "--duration", type=_non_negative, default=None, help="stop after this many seconds"
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="print every request and violation"
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="on exit, write each battery's requests, violations and smallest gap as JSON",
    )
    add_meter_arguments(parser)
    return parser


def safety_report(battery: SimulatedBattery) -> dict[str, object]:
    """What a test asserts on: every breach of the device rules, and the closest two requests
    from one client address came (kernel arrival times)."""
    return {
        "ble_mac": battery.ble_mac,
        "host": battery.host,
        "port": battery.port,
        "requests": battery.requests_total,
        "methods": sorted({str(record.method) for record in battery.requests}),
        "smallest_gap": battery.smallest_gap,
        "violations": [
            {
                "kind": str(violation.kind),
                "method": violation.method,
                "source": f"{violation.source[0]}:{violation.source[1]}",
                "detail": violation.detail,
            }
            for violation in battery.violations
        ],
    }


def _list_profiles() -> None:
    for profile in PROFILES.values():
        print(f"{profile.key:16} {profile.description}")


def _describe(battery: SimulatedBattery) -> str:
    profile = battery.profile
    return (
        f"{profile.key}: {profile.device} fw {profile.firmware} "
        f"ble_mac {battery.ble_mac} at {battery.host}:{battery.port}"
    )


def _print_request(battery: SimulatedBattery, record: RequestRecord) -> None:
    print(
        f"[{battery.host}:{battery.port}] {record.source[0]}:{record.source[1]} "
        f"{record.method} id={record.id!r} -> {record.outcome}",
        file=sys.stderr,
        flush=True,
    )


def _print_violation(battery: SimulatedBattery, violation: Violation) -> None:
    print(
        f"[{battery.host}:{battery.port}] VIOLATION {violation.kind} from "
        f"{violation.source[0]}:{violation.source[1]}: {violation.detail}",
        file=sys.stderr,
        flush=True,
    )


async def serve(args: argparse.Namespace) -> int:
    """Run the batteries described by `args` until a signal (or `--duration`)."""
    specs = [parse_battery_spec(spec, args.port) for spec in args.battery]
    if len(args.ble_mac) > len(specs):
        print("simulator: more --ble-mac than --battery options", file=sys.stderr)
        return 2
    macs: list[str | None] = [*args.ble_mac, *[None] * (len(specs) - len(args.ble_mac))]
    clock = ScaledClock(args.time_scale, args.start)
    simulator = Simulator(clock=clock, seed=args.seed)
    for (profile, host, port), ble_mac in zip(specs, macs, strict=True):
        faults = Faults(
            loss=args.loss,
            latency=args.latency,
            jitter=args.jitter,
            duplicate_replies=args.duplicates,
            reply_to_source_port=args.reply_to_source_port,
            ct_contention=args.ct_contention,
            reject_first_write=args.reject_first_write,
        )
        battery = simulator.add(
            profile,
            host,
            port,
            ble_mac=ble_mac,
            faults=faults,
            min_gap=args.min_gap,
            soc=args.soc,
        )
        if args.verbose:
            battery.on_request = lambda record, b=battery: _print_request(b, record)
            battery.on_violation = lambda violation, b=battery: _print_violation(b, violation)

    apply_household(simulator, args)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        try:
            await simulator.start()
        except OSError as err:
            print(f"simulator: cannot bind: {err}", file=sys.stderr)
            return 1
        for battery in simulator:
            print(_describe(battery), flush=True)
        followers = await start_followers(simulator, args)
        feed = await start_grid_feed(simulator, args)
        try:
            await asyncio.wait_for(stop.wait(), args.duration)
        except TimeoutError:
            pass
        await stop_grid_feed(feed)
        await stop_followers(followers)
        await simulator.stop()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    if args.report is not None:
        report = [safety_report(battery) for battery in simulator]
        args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    requests = len(simulator.requests)
    violations = simulator.violations
    print(
        f"simulator: stopped after {requests} requests, {len(violations)} safety violations",
        file=sys.stderr,
        flush=True,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_profiles:
        _list_profiles()
        return 0
    if not args.battery:
        parser.error("give at least one --battery PROFILE@HOST[:PORT] (or --list-profiles)")
    for spec in args.battery:
        try:
            parse_battery_spec(spec, args.port)
        except argparse.ArgumentTypeError as err:
            parser.error(str(err))
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    return asyncio.run(serve(args))
