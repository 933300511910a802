"""The CLI's meter options: batteries that poll a Shelly meter and follow it, and a household.

``--follow-meter [ADDRESS]`` makes every ``--battery`` poll a meter in self-consumption mode
(ADDRESS: a unicast meter address; without it, the /24 subnet broadcast of the battery's
address). The other ``--meter-*`` options override the family defaults of meter_config.py.
``--grid-feed [HOST:]PORT`` publishes the household's grid power over HTTP (grid_feed.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from .battery import SimulatedBattery
from .cli_types import checked
from .grid_feed import DSMR5_PERIOD, GridFeed, GridMeter
from .load_profile import HOUSEHOLDS
from .meter_config import LawName, MeterModel, follower_config
from .meter_follower import MeterFollower

BROADCAST = "broadcast"


def _positive(text: str) -> float:
    return checked(text, float(text), lambda value: value <= 0, "must be positive")


def _port(text: str) -> int:
    return checked(text, int(text), lambda value: not 0 < value <= 65535, "is not a UDP port")


def _count(text: str) -> int:
    return checked(text, int(text), lambda value: value < 1, "must be at least 1")


def _feed_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    try:
        return (host if sep else "127.0.0.1"), int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected [HOST:]PORT, got {text!r}") from None


def add_meter_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("following a meter (self-consumption on a Shelly)")
    group.add_argument(
        "--follow-meter",
        nargs="?",
        const=BROADCAST,
        default=None,
        metavar="ADDRESS",
        help="poll a Shelly meter and follow it: at ADDRESS, or the /24 broadcast if omitted",
    )
    group.add_argument(
        "--meter-model",
        choices=[model.value for model in MeterModel],
        default=MeterModel.PRO3EM.value,
        help="Shelly model chosen in the app: port and method (pro3em: 1010, EM.GetStatus)",
    )
    group.add_argument("--meter-port", type=_port, default=None, help="override the port")
    group.add_argument(
        "--meter-law",
        choices=["auto", *(law.value for law in LawName)],
        default="auto",
        help="control law (auto: by battery family)",
    )
    group.add_argument(
        "--meter-interval", type=_positive, default=None, help="s between polls (law default)"
    )
    group.add_argument(
        "--meter-timeout", type=_positive, default=None, help="s to wait for a reply (0.5)"
    )
    group.add_argument(
        "--meter-misses", type=_count, default=None, help="misses before 'meter gone' (5)"
    )
    group.add_argument(
        "--meter-on-gone",
        choices=["stop", "hold"],
        default=None,
        help="when the meter is gone: stop (0 W, default) or hold the output",
    )
    group.add_argument(
        "--meter-lan",
        action="store_true",
        help="refuse replies under 250 bytes (Venus E 3.0 on LAN; uncertain)",
    )
    group.add_argument(
        "--meter-reject-whole-numbers",
        action="store_true",
        help="refuse power values without a decimal point (B2500 behaviour)",
    )
    group.add_argument(
        "--meter-crowd-out",
        action="store_true",
        help="Venus C / E 2.0: an Open API datagram during a poll loses its reply (§5.3)",
    )
    group.add_argument(
        "--meter-deadband", type=float, default=None, help="W; override the law's deadband"
    )
    group.add_argument(
        "--household",
        choices=["curve", *HOUSEHOLDS],
        default="curve",
        help="house load and PV: the daily curve, or a scripted one-hour profile",
    )
    group.add_argument(
        "--grid-feed",
        type=_feed_address,
        default=None,
        metavar="[HOST:]PORT",
        help="serve the household's grid power as HTTP JSON (GET /; host 127.0.0.1 if omitted)",
    )
    group.add_argument(
        "--grid-feed-period",
        type=_positive,
        default=DSMR5_PERIOD,
        help="s between two grid samples: 1 (DSMR 5 P1 meter, default) or 10 (DSMR 4)",
    )


def follower_for(battery: SimulatedBattery, args: argparse.Namespace) -> MeterFollower:
    """A meter follower for `battery` configured from the parsed options."""
    changes: dict[str, Any] = {}
    if args.meter_law != "auto":
        changes["law"] = LawName(args.meter_law)
    config = follower_config(battery.profile.family, MeterModel(args.meter_model), **changes)
    overrides: dict[str, Any] = {
        "destination": None if args.follow_meter == BROADCAST else args.follow_meter,
        "port": args.meter_port,
    }
    optional = {
        "poll_interval": args.meter_interval,
        "reply_timeout": args.meter_timeout,
        "misses_before_gone": args.meter_misses,
        "on_gone": args.meter_on_gone,
        "deadband": args.meter_deadband,
    }
    overrides.update({key: value for key, value in optional.items() if value is not None})
    if args.meter_lan:
        overrides["min_reply_size"] = 250
    if args.meter_reject_whole_numbers:
        overrides["reject_whole_numbers"] = True
    if args.meter_crowd_out:
        overrides["crowd_out"] = True
    return MeterFollower(battery, replace(config, **overrides))


def apply_household(batteries: Iterable[SimulatedBattery], args: argparse.Namespace) -> None:
    if args.household != "curve":
        for battery in batteries:
            battery.set_household(HOUSEHOLDS[args.household]())


async def start_followers(
    batteries: Iterable[SimulatedBattery], args: argparse.Namespace
) -> list[MeterFollower]:
    """Start a follower per battery when ``--follow-meter`` was given."""
    if args.follow_meter is None:
        return []
    followers = [follower_for(battery, args) for battery in batteries]
    for follower in followers:
        await follower.start()
        config = follower.config
        print(
            f"{follower.battery.profile.key} at {follower.battery.host}: follows a "
            f"{config.model.value} meter at "
            f"{config.meter_address(follower.battery.host)}:{config.meter_port} "
            f"({config.model.method}, law {config.law.value}, every {config.poll_interval} s)",
            flush=True,
        )
    return followers


async def stop_followers(followers: Iterable[MeterFollower]) -> None:
    for follower in followers:
        await follower.stop()
        rejected = dict(follower.rejected) or "none"
        print(
            f"simulator: {follower.battery.host} polled the meter {len(follower.polls)} times, "
            f"meter gone {follower.gone_count} times, refused replies: {rejected}",
            file=sys.stderr,
            flush=True,
        )


async def start_grid_feed(
    batteries: Iterable[SimulatedBattery], args: argparse.Namespace
) -> GridFeed | None:
    """Serve the household's grid power when ``--grid-feed`` was given (one house, every
    battery in it)."""
    if args.grid_feed is None:
        return None
    host, port = args.grid_feed
    feed = GridFeed(GridMeter(list(batteries), args.grid_feed_period), host, port)
    try:
        await feed.start()
    except OSError as err:
        print(f"simulator: cannot serve the grid feed: {err}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    print(
        f"simulator: grid feed at {feed.url} (a sample every {args.grid_feed_period:g} s)",
        flush=True,
    )
    return feed


async def stop_grid_feed(feed: GridFeed | None) -> None:
    if feed is not None:
        await feed.stop()
