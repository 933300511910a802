"""What both soaks set up and tear down: the simulated batteries, their addresses, the CLI."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator import ScaledClock, Simulator, derive_mac

from .harness import free_udp_port, loopback
from .soak_model import SoakConfig
from .soak_poller import Poller
from .soak_report import GapWatch


@dataclass
class Bench:
    """The soak's batteries: at ``hosts`` on one ``port``, moving to ``spare`` on a fault."""

    sim: Simulator
    hosts: list[str]
    spare: list[str]
    port: int
    gaps: GapWatch


def bench(
    config: SoakConfig,
    loop: asyncio.AbstractEventLoop,
    *,
    address_base: int,
    profiles: Sequence[str],
    mac_label: str,
    extra: Callable[[int], dict[str, Any]] = lambda _: {},
) -> Bench:
    """``config.batteries`` batteries of ``profiles`` in turn; ``extra`` adds keywords by index."""
    hosts = [loopback(0, n, base=address_base) for n in range(config.batteries)]
    spare = [loopback(1, n, base=address_base) for n in range(config.batteries)]
    port = free_udp_port(("127.0.0.1", *hosts, *spare))
    # The batteries' physics, countdowns and RTC run on the loop's (virtual) clock.
    sim = Simulator(clock=ScaledClock(1.0, real_monotonic=loop.time), seed=config.seed)
    gaps = GapWatch()
    for index, host in enumerate(hosts):
        battery = sim.add(
            profiles[index % len(profiles)],
            host,
            port,
            # From the seed, not the port the kernel hands out: the battery's random faults
            # are seeded with its MAC, and a run must repeat.
            ble_mac=derive_mac(mac_label, config.seed, index),
            min_gap=config.min_gap,
            max_requests=5000,
            **extra(index),
        )
        gaps.attach(battery)
    return Bench(sim, hosts, spare, port, gaps)


async def wind_down(tasks: Sequence[asyncio.Task[None]], pollers: Sequence[Poller]) -> None:
    """Cancel the soak's background tasks and wait for them; then close the clients."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for poller in pollers:
        await poller.client.close()


def parse_args(
    argv: list[str] | None, description: str, batteries: int, output: Path
) -> tuple[SoakConfig, Path]:
    """The soak's command line: its config and the report's path."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (24)")
    parser.add_argument("--batteries", type=int, default=batteries)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=output)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    return SoakConfig(hours=args.hours, batteries=args.batteries, seed=args.seed), args.output


def write_report(output: Path, result: dict[str, Any]) -> None:
    """The whole report as JSON, samples included."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1))
