"""``scripts/marstek``: discover, read, control and check batteries from a terminal.

Errors print one line and exit non-zero. Everything goes through the same client as Home
Assistant, so the device-safety rules (pacing, one request in flight, no empty datagrams,
validated writes) hold here too.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import time as dt_time
from typing import Any

from .client import MarstekClient
from .const import DEFAULT_PORT, DEFAULT_REQUEST_GAP, MIN_REQUEST_GAP, Method, Mode
from .discovery import discover
from .errors import MarstekError, MarstekMethodNotSupportedError, MarstekTimeoutError
from .models import ALL_DAYS, ManualPeriod, PassiveConfig, PvStatus, Weekday
from .profiles import FirmwareProfile
from .timing import Timing

DAY_NAMES = {
    "mon": Weekday.MON,
    "tue": Weekday.TUE,
    "wed": Weekday.WED,
    "thu": Weekday.THU,
    "fri": Weekday.FRI,
    "sat": Weekday.SAT,
    "sun": Weekday.SUN,
}
SIMPLE_MODES = {"auto": Mode.AUTO, "ai": Mode.AI, "ups": Mode.UPS}


class UsageError(Exception):
    """Bad command-line input (reported like argparse does, exit code 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], Coroutine[Any, Any, int]] = args.handler
    try:
        return asyncio.run(handler(args))
    except UsageError as err:
        parser.error(str(err))  # exits with status 2
    except MarstekError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marstek", description="Talk to Marstek Venus batteries over the local Open API."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    scan = commands.add_parser("discover", help="find batteries by UDP broadcast")
    scan.add_argument("--port", type=int, action="append", dest="ports", metavar="P")
    scan.add_argument("--broadcast", action="append", dest="targets", metavar="ADDR")
    scan.add_argument("--timeout", type=float, default=3.0, metavar="S")
    scan.add_argument("--json", action="store_true")
    scan.set_defaults(handler=_discover)

    status = commands.add_parser("status", help="read everything the battery reports")
    _add_device_arguments(status)
    status.add_argument("--json", action="store_true")
    status.add_argument(
        "--include-battery",
        action="store_true",
        help="also send Bat.GetStatus on firmware where it is a suspected reset trigger",
    )
    status.set_defaults(handler=_status)

    set_mode = commands.add_parser("set-mode", help="change the operating mode (verified)")
    _add_device_arguments(set_mode)
    set_mode.add_argument("mode", choices=[*SIMPLE_MODES, "passive", "manual"])
    set_mode.add_argument("--power", type=int, metavar="W", help="+ discharge, - charge")
    set_mode.add_argument("--duration", type=int, metavar="S", help="passive countdown")
    set_mode.add_argument("--slot", type=int, metavar="N", help="manual period 0..9")
    set_mode.add_argument("--start", metavar="HH:MM")
    set_mode.add_argument("--end", metavar="HH:MM")
    set_mode.add_argument("--days", default="all", metavar="mon,tue,...")
    set_mode.add_argument("--disable", action="store_true", help="write the period disabled")
    set_mode.set_defaults(handler=_set_mode)

    check = commands.add_parser("check", help="try every read method and tabulate the results")
    _add_device_arguments(check)
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)
    return parser


def _add_device_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", help="the battery's IPv4 address")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P")
    parser.add_argument(
        "--gap",
        type=float,
        default=DEFAULT_REQUEST_GAP,
        metavar="S",
        help=f"seconds between requests (at least {MIN_REQUEST_GAP})",
    )


def _client(args: argparse.Namespace) -> MarstekClient:
    if args.gap < MIN_REQUEST_GAP:
        raise UsageError(f"--gap must be at least {MIN_REQUEST_GAP} s (device safety)")
    return MarstekClient(args.host, args.port, timing=Timing(request_gap=args.gap))


async def _discover(args: argparse.Namespace) -> int:
    devices = await discover(
        args.ports or [DEFAULT_PORT], targets=args.targets, timeout=args.timeout
    )
    if args.json:
        print(json.dumps([to_json(device) for device in devices], indent=2))
        return 0
    if not devices:
        print(
            "No batteries answered. Is the Open API enabled in the Marstek app, and the port right?"
        )
        return 1
    for device in devices:
        print(
            f"{device.model:<12} fw {device.firmware:<5} {device.host}:{device.port}"
            f"  BLE {device.ble_mac}"
        )
    return 0


BATTERY_SKIPPED = "skipped: suspected reset trigger on this firmware (--include-battery)"


def status_reads(
    client: MarstekClient, profile: FirmwareProfile, *, include_battery: bool = False
) -> dict[str, Callable[[], Awaitable[Any]]]:
    """The read methods worth sending to this firmware, in the order a poll would send them."""
    pv: list[PvStatus] = []

    async def read_pv() -> PvStatus:
        pv.append(await client.get_pv_status())
        return pv[-1]

    async def read_es() -> Any:
        return await client.get_es_status(pv[-1] if pv else None)

    reads: dict[str, Callable[[], Awaitable[Any]]] = {}
    if profile.has_es_status:
        reads[Method.ES_STATUS] = read_es
    reads[Method.ES_MODE] = client.get_mode
    if profile.has_meter:
        reads[Method.METER_STATUS] = client.get_meter_status
    if profile.has_pv:
        # Read PV before ES so battery power can be computed from the channel sum.
        reads = {Method.PV_STATUS: read_pv, **reads}
    # Bat.GetStatus is a suspected reset trigger on reset-prone firmware: left out there.
    if profile.has_battery_status and (include_battery or not profile.reset_prone):
        reads[Method.BATTERY_STATUS] = client.get_battery_status
    reads[Method.WIFI_STATUS] = client.get_wifi_status
    reads[Method.BLE_STATUS] = client.get_ble_status
    return reads


async def _status(args: argparse.Namespace) -> int:
    async with _client(args) as client:
        device = await client.get_device()
        assert client.profile is not None
        report: dict[str, Any] = {Method.GET_DEVICE: to_json(device)}
        reads = status_reads(client, client.profile, include_battery=args.include_battery)
        if client.profile.has_battery_status and Method.BATTERY_STATUS not in reads:
            report[Method.BATTERY_STATUS] = {"skipped": BATTERY_SKIPPED}
        for method, read in reads.items():
            try:
                report[method] = to_json(await read())
            except MarstekMethodNotSupportedError:
                report[method] = None
            except MarstekTimeoutError as err:
                report[method] = {"error": str(err)}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for method, values in report.items():
        print(f"{method}:")
        if not isinstance(values, dict):
            print("  not supported by this firmware")
            continue
        for key, value in flatten(values):
            print(f"  {key:<28} {value}")
    return 0


async def _set_mode(args: argparse.Namespace) -> int:
    async with _client(args) as client:
        if args.mode in SIMPLE_MODES:
            await client.set_mode(SIMPLE_MODES[args.mode])
            print(f"{SIMPLE_MODES[args.mode]} confirmed by the battery")
        elif args.mode == "passive":
            if args.power is None or args.duration is None:
                raise UsageError("passive needs --power W and --duration S")
            await client.set_passive(PassiveConfig(args.power, args.duration))
            print(f"Passive {args.power} W for {args.duration} s confirmed by the battery")
        else:
            period = _manual_period(args)
            await client.set_manual_period(period)
            print(f"Manual period {period.slot} written and Manual mode confirmed")
    return 0


def _manual_period(args: argparse.Namespace) -> ManualPeriod:
    if args.slot is None or args.start is None or args.end is None or args.power is None:
        raise UsageError("manual needs --slot N --start HH:MM --end HH:MM --power W")
    return ManualPeriod(
        slot=args.slot,
        start=parse_hhmm(args.start),
        end=parse_hhmm(args.end),
        weekdays=parse_days(args.days),
        power=args.power,
        enabled=not args.disable,
    )


async def _check(args: argparse.Namespace) -> int:
    """Send each read method once (paced) and report which work, with latency."""
    rows: list[dict[str, Any]] = []
    async with _client(args) as client:
        device = await client.get_device()
        assert client.profile is not None
        rows.append(_row(Method.GET_DEVICE, "ok", client.stats.last_latency, ""))
        skip_battery = client.profile.reset_prone
        for method in (
            Method.ES_STATUS,
            Method.ES_MODE,
            Method.METER_STATUS,
            Method.PV_STATUS,
            Method.BATTERY_STATUS,
            Method.WIFI_STATUS,
            Method.BLE_STATUS,
        ):
            if method is Method.BATTERY_STATUS and skip_battery:
                rows.append(
                    _row(method, "skipped", None, "suspected reset trigger on this firmware")
                )
                continue
            try:
                await client.call(method)
            except MarstekMethodNotSupportedError:
                rows.append(_row(method, "not supported", client.stats.last_latency, ""))
            except MarstekError as err:
                rows.append(_row(method, "failed", None, str(err)))
            else:
                rows.append(_row(method, "ok", client.stats.last_latency, ""))
    if args.json:
        print(json.dumps({"device": to_json(device), "methods": rows}, indent=2))
        return 0
    print(f"{device.model} fw {device.firmware} at {device.host}:{device.port}")
    print(f"{'method':<20} {'result':<14} {'latency':>9}  note")
    for row in rows:
        latency = f"{row['latency_ms']:.0f} ms" if row["latency_ms"] is not None else "-"
        print(f"{row['method']:<20} {row['result']:<14} {latency:>9}  {row['note']}")
    stats = client.stats
    print(
        f"sent {stats.sent}, answered {stats.answered}, resends {stats.resends}, timeouts {stats.timeouts}"
    )
    return 0


def _row(method: str, result: str, latency: float | None, note: str) -> dict[str, Any]:
    return {
        "method": str(method),
        "result": result,
        "latency_ms": None if latency is None else round(latency * 1000, 1),
        "note": note,
    }


def parse_hhmm(value: str) -> dt_time:
    """Parse "HH:MM" (24 h)."""
    try:
        hours, minutes = value.split(":")
        return dt_time(int(hours), int(minutes))
    except ValueError as err:
        raise UsageError(f"{value!r} is not a time as HH:MM") from err


def parse_days(value: str) -> Weekday:
    """Parse "all" or a comma-separated list such as "mon,tue,sat"."""
    if value.strip().lower() == "all":
        return ALL_DAYS
    days = Weekday(0)
    for name in value.lower().split(","):
        if name.strip() not in DAY_NAMES:
            raise UsageError(f"unknown day {name!r}; use mon,tue,wed,thu,fri,sat,sun or all")
        days |= DAY_NAMES[name.strip()]
    return days


def flatten(values: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested JSON as (dotted key, value) rows: ``channels.1.power``, ``meter.total_power``."""
    rows: list[tuple[str, Any]] = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flatten(value, f"{name}."))
        elif isinstance(value, list):
            for index, item in enumerate(value, start=1):
                if isinstance(item, dict):
                    rows.extend(flatten(item, f"{name}.{index}."))
                else:
                    rows.append((f"{name}.{index}", item))
        else:
            rows.append((name, value))
    return rows


def to_json(value: Any) -> Any:
    """Models as plain JSON values (enums by value)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, Weekday):
        return int(value)
    return value


if __name__ == "__main__":
    sys.exit(main())
