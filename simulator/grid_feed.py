"""The household's grid meter, published: what a P1 reader in Home Assistant would show.

A smart meter sends a telegram at a fixed period: every 1 s (DSMR 5) or every 10 s (DSMR 4);
a P1 reader turns it into Home Assistant's grid-power sensor, which the emulated Shelly meter
serves to the batteries. `GridMeter` is that meter for a simulated household: on each period
boundary of the batteries' clock it takes one sample of

    grid = house load - every battery's AC output - rooftop PV     (+ = import)

and holds it until the next boundary. The house (load, PV) is the first battery's; further
batteries in the same house only add their AC output. With one battery the sample is that
battery's own CT reading (``physics.flows.grid_power``).

`GridFeed` serves the latest sample as JSON over HTTP (``GET /``), for a ``rest`` sensor in
Home Assistant or a test's meter process. Plain asyncio, one request per connection: the
simulator takes no web framework.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from .tasks import cancel

if TYPE_CHECKING:
    from .battery import SimulatedBattery

#: Telegram periods of the two common Dutch smart meters (s).
DSMR5_PERIOD: Final = 1.0
DSMR4_PERIOD: Final = 10.0
#: How often (real seconds) the feed's background task looks for a period boundary.
TICK_INTERVAL: Final = 0.05
_MAX_REQUEST: Final = 8192  # bytes of request line and headers read before giving up


@dataclass(frozen=True, slots=True)
class GridSample:
    """One telegram: powers in W at ``time`` (the batteries' clock, s)."""

    time: float
    grid_power: float  # + import from the grid, - export
    load: float
    pv: float  # rooftop PV on the house's own inverter
    battery_output: float  # every battery's AC power summed, + discharge

    def as_json(self) -> dict[str, float]:
        return {
            "time": round(self.time, 3),
            "grid_power": round(self.grid_power, 1),
            "load": round(self.load, 1),
            "pv": round(self.pv, 1),
            "battery_output": round(self.battery_output, 1),
        }


def household_grid(batteries: Sequence[SimulatedBattery]) -> GridSample:
    """The grid power of the house of ``batteries[0]`` with every battery in it, now."""
    if not batteries:
        raise ValueError("a household needs at least one battery")
    outputs: list[float] = []
    for battery in batteries:
        battery.physics.advance()
        outputs.append(battery.physics.flows.ac_power)
    house = batteries[0].physics.flows
    output = math.fsum(outputs)
    # Written like physics.py's CT value, so one battery gives exactly its own reading.
    grid = house.consumption - house.house_solar - output
    return GridSample(
        batteries[0].clock.monotonic(), grid, house.consumption, house.house_solar, output
    )


class GridMeter:
    """A smart meter on the household of `batteries`: one sample per `period` of their clock.

    `tick` takes a sample when the clock has reached the next period boundary (boundaries are
    whole multiples of `period`); `latest` is the sample shown until then.
    """

    def __init__(self, batteries: Sequence[SimulatedBattery], period: float = DSMR5_PERIOD):
        if period <= 0:
            raise ValueError("period must be positive")
        if not batteries:
            raise ValueError("a household needs at least one battery")
        self.batteries = list(batteries)
        self.period = period
        self.latest: GridSample | None = None
        self.samples = 0
        self._next: float | None = None

    def sample(self) -> GridSample:
        """Take a sample now, whatever the period."""
        self.latest = household_grid(self.batteries)
        self.samples += 1
        return self.latest

    def tick(self) -> GridSample | None:
        """A new sample if the clock reached the next period boundary, else None."""
        now = self.batteries[0].clock.monotonic()
        if self._next is not None and now < self._next:
            return None
        self._next = (math.floor(now / self.period) + 1) * self.period
        return self.sample()


class GridFeed:
    """HTTP JSON of a `GridMeter`: ``GET /`` answers the latest sample.

    ``port`` 0 lets the OS pick (``port`` then tells which). A background task ticks the meter
    every `tick_interval` real seconds, so samples are taken on the period boundaries whether
    or not anyone reads; a request ticks it too (a `ManualClock` moved by a test needs no task).
    """

    def __init__(
        self,
        meter: GridMeter,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tick_interval: float = TICK_INTERVAL,
    ) -> None:
        self.meter = meter
        self.host = host
        self._wanted_port = port
        self._tick_interval = tick_interval
        self._server: asyncio.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.requests = 0

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the grid feed is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        self.meter.tick()
        self._server = await asyncio.start_server(self._serve, self.host, self._wanted_port)
        self._task = asyncio.create_task(self._ticking(), name="grid feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel(task)
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def _ticking(self) -> None:
        while True:
            self.meter.tick()
            await asyncio.sleep(self._tick_interval)

    def body(self) -> dict[str, Any]:
        """What ``GET /`` answers now: the latest sample and the meter's period."""
        self.meter.tick()
        sample = self.meter.latest
        assert sample is not None  # tick() samples on its first call
        return {**sample.as_json(), "period": self.meter.period}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        self.requests += 1
        method, _, rest = head[:_MAX_REQUEST].decode("latin-1").partition(" ")
        path = rest.split(" ", 1)[0].split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            status, body = 405, {"error": "GET only"}
        elif path != "/":
            status, body = 404, {"error": "the feed is at /"}
        else:
            status, body = 200, self.body()
        payload = json.dumps(body).encode()
        reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}[status]
        header = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        writer.write(header if method == "HEAD" else header + payload)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
