"""What every benchmark needs: the HA-free library, loopback addresses, free ports, pacing.

Time acceleration. Soak and CI runs compress hours into seconds, so the library's real-time
numbers (the 0.3 s pacing floor, the 0.5 s resend, the 1 s settle before a mode read-back,
the discovery probe schedule, ...) are divided by the same factor: :func:`accelerated` gives
the library's ``Timing`` scaled, and :func:`accelerated_sockets` a socket registry that paces
with it, to pass to every client and scan of the run. The simulated batteries get the same
factor on their safety rule (``min_gap``), so a violation still means "closer than the floor"
in accelerated time.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from custom_components.marstek_venus.pymarstek_venus import SocketRegistry, Timing

ROOT = Path(__file__).resolve().parent.parent


def load_protocol() -> None:
    """Make ``custom_components.marstek_venus.pymarstek_venus`` importable without Home Assistant."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if "custom_components.marstek_venus" in sys.modules:
        return
    if "homeassistant" in sys.modules:
        # Under pytest with Home Assistant's test plugin (``python -m benchmarks ha-cost``): load the
        # integration for real, from this repository, before Home Assistant looks for it.
        importlib.import_module("custom_components.marstek_venus")
        return
    spec = importlib.util.spec_from_file_location(
        "_marstek_protocol_entry", ROOT / "scripts" / "_protocol_entry.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.load_protocol()


@dataclass(slots=True)
class LoopLag:
    """How late the event loop wakes a sleeper: a check that timings mean something.

    Client and simulated batteries share one event loop, so a stall (a garbage collection, a
    burst of work) delays the battery's view of when a datagram arrived just as much.
    """

    period: float = 0.1
    samples: list[float] = field(default_factory=list)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.period)
            self.samples.append(max(loop.time() - start - self.period, 0.0))

    def as_dict(self) -> dict[str, float | None]:
        from .stats import percentile

        return {"p99": percentile(self.samples, 99), "max": max(self.samples, default=None)}


def loopback(block: int, index: int, *, base: int = 77) -> str:
    """The ``index``-th battery address (0-based) of address block ``block``: 127.base.block.n.

    Blocks keep the batteries of different scenarios (and of different processes: each one
    uses its own ``base``) apart, so no two runs ever share an address.
    """
    if not 0 <= index < 250 or not 0 <= block < 256:
        raise ValueError(f"no loopback address for block {block}, index {index}")
    return f"127.{base}.{block}.{index + 1}"


def free_udp_port(hosts: tuple[str, ...] = ("127.0.0.1",)) -> int:
    """A UDP port that is free on every address in ``hosts`` right now."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((hosts[0], 0))
            port = int(probe.getsockname()[1])
        try:
            for host in hosts[1:]:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
                    other.bind((host, port))
        except OSError:
            continue
        return port


def accelerated(factor: float) -> Timing:
    """The library's default timing with every duration divided by ``factor``."""
    from custom_components.marstek_venus.pymarstek_venus import Timing

    if factor <= 0:
        raise ValueError("the acceleration factor must be positive")
    return Timing().scaled(factor)


def accelerated_sockets(factor: float) -> SocketRegistry:
    """A socket registry whose pacing floor and probe gap run ``factor`` times faster.

    Clients and scans built with ``sockets=`` this registry take its timing by default.
    """
    from custom_components.marstek_venus.pymarstek_venus import SocketRegistry

    return SocketRegistry(accelerated(factor))
