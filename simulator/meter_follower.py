"""A simulated battery in self-consumption mode that polls a Shelly meter and follows it.

What the battery does, per poll (doc §1.5, §6.1):

1. send ``{"id":N,"method":...,"params":{"id":0}}`` from a random UDP port of its own
   address to the meter address (the /24 subnet broadcast by default) on the model's port;
2. wait up to ``reply_timeout`` (0.5 s) for a reply it accepts (`meter_reply.read_reply`);
   refused replies are counted by reason and do not end the wait;
3. no accepted reply: a miss. After ``misses_before_gone`` misses in a row the meter is gone
   and the battery stops (AC 0 W, loop reset) or holds, as configured (§3, "When the meter
   goes silent"); with ``resume`` it follows again on the next accepted reply;
4. an accepted value goes through the battery's control law (control_laws.py), whose
   setpoint drives the physics (the model's AC limits still apply there).

On an HMG-50 battery (Venus C / E 2.0) each poll is reported to the battery's shared receive
channel (shared_channel.py): an Open API datagram arriving while the poll waits is a violation,
and with ``crowd_out`` it loses the poll's reply. The socket stamps every reply with its arrival
time (endpoint.py), as the Open API socket does, so the two are compared on the wire's order.

Network timing (cadence, reply wait) is real time, as for the Open API side; the control
law's gate runs on the battery's `Clock`. Tests drive `poll_once` by hand and move a
`ManualClock` between polls; `start` runs the cadence loop in the background.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .control_laws import ControlLaw, make_law
from .endpoint import StampedEndpoint
from .meter_config import FollowerConfig, follower_config
from .meter_reply import Reading, encode_request, read_reply
from .tasks import cancel

if TYPE_CHECKING:
    from .battery import SimulatedBattery

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollRecord:
    """One poll: when it was sent (loop time), its id, and the accepted value (None: a miss)."""

    time: float
    request_id: int
    grid: float | None
    setpoint: float | None  # the AC setpoint after this poll (None: not following)


class MeterFollower:
    """Polls a meter for `battery` and drives its AC power with the model's control law.

    `config` defaults to the battery family's defaults (`meter_config.follower_config`).
    """

    def __init__(self, battery: SimulatedBattery, config: FollowerConfig | None = None) -> None:
        self.battery = battery
        self.config = config or follower_config(battery.profile.family)
        self.law: ControlLaw = make_law(self.config.law, self.config.deadband)
        self.polls: list[PollRecord] = []
        self.rejected: Counter[str] = Counter()
        self.misses = 0  # in a row
        self.meter_gone = False
        self.gone_count = 0  # how often the meter was declared gone
        self.last_grid: float | None = None
        self.crowded_out = 0  # replies lost to an Open API datagram (``crowd_out``)
        self._next_id = 0
        self._inbox: asyncio.Queue[tuple[bytes, float]] = asyncio.Queue()  # (data, arrival)
        self._endpoint: StampedEndpoint | None = None
        self._port = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def following(self) -> bool:
        """True once the meter answered and while it is not gone."""
        return self.last_grid is not None and not self.meter_gone

    @property
    def local_port(self) -> int | None:
        return self._port if self._endpoint is not None else None

    # -- life cycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Bind a random port on the battery's address; until the meter answers, 0 W."""
        if self._endpoint is not None:
            return
        endpoint = StampedEndpoint(self._received, self._socket_error)
        self._port = endpoint.open(self.battery.host, 0)
        self._endpoint = endpoint
        self.battery.physics.set_meter_setpoint(0.0)

    async def start(self) -> None:
        """Open the socket and poll at the configured cadence in the background."""
        await self.open()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"meter poll {self.battery.host}")

    async def stop(self) -> None:
        """Stop polling and close the socket; the battery goes back to its built-in model."""
        task, self._task = self._task, None
        await cancel(task)
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is not None:
            endpoint.close()
            await asyncio.sleep(0)
        self.battery.physics.set_meter_setpoint(None)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            sent = loop.time()
            try:
                await self.poll_once()
            except OSError as err:  # no route for the broadcast, say: a miss, keep polling
                _LOGGER.debug("%s: poll failed: %s", self.battery.host, err)
            await asyncio.sleep(max(self.config.poll_interval - (loop.time() - sent), 0.0))

    # -- one poll --------------------------------------------------------------------------

    async def poll_once(self) -> float | None:
        """Send one request, wait for an accepted reply, act on it; the value or None (miss)."""
        if self._endpoint is None:
            await self.open()
        endpoint = self._endpoint
        assert endpoint is not None
        loop = asyncio.get_running_loop()
        while not self._inbox.empty():  # a late reply to an earlier poll
            self._inbox.get_nowait()
        request_id = self._next_id
        self._next_id = (self._next_id + 1) & 0xFFFF
        config = self.config
        destination = (config.meter_address(self.battery.host), config.meter_port)
        sent = loop.time()
        try:
            endpoint.sendto(encode_request(request_id, config.model.method), destination)
        except OSError as err:  # no route for the broadcast, say: the wait ends in a miss
            _LOGGER.debug("%s: poll not sent: %s", self.battery.host, err)
        deadline = sent + config.reply_timeout
        channel = self.battery.meter_channel
        if channel is not None:
            channel.poll_sent(sent)
        end = deadline
        try:
            reading, end = await self._await_reading(request_id, deadline)
        finally:
            if channel is not None:
                channel.poll_ended(min(end, loop.time()))
        if reading is None:
            self._miss()
        else:
            assert reading.grid is not None
            self._follow(reading.grid)
        setpoint = self.battery.physics.meter_setpoint
        grid = None if reading is None else reading.grid
        self.polls.append(PollRecord(sent, request_id, grid, setpoint))
        return grid

    async def _await_reading(
        self, request_id: int, deadline: float
    ) -> tuple[Reading | None, float]:
        """The accepted reply and when it arrived, or None and the end of the wait."""
        loop = asyncio.get_running_loop()
        channel = self.battery.meter_channel if self.config.crowd_out else None
        while (left := deadline - loop.time()) > 0:
            try:
                data, arrival = await asyncio.wait_for(self._inbox.get(), left)
            except TimeoutError:
                break
            reading = read_reply(data, request_id, self.config)
            if not reading.ok:
                self.rejected[reading.rejected or "unknown"] += 1
            elif channel is not None and channel.collided(arrival):
                self.crowded_out += 1  # lost in the shared receive channel: wait on
            else:
                return reading, arrival
        return None, deadline

    def _received(self, data: bytes, peer: tuple[str, int], arrival: float) -> None:
        self._inbox.put_nowait((data, arrival))

    def _socket_error(self, err: OSError) -> None:
        """ICMP "port unreachable" after a request nobody took: a miss, nothing more."""

    def _miss(self) -> None:
        self.misses += 1
        if self.meter_gone or self.misses < self.config.misses_before_gone:
            return  # between polls the battery keeps its output
        self.meter_gone = True
        self.gone_count += 1
        self.law.reset()
        if self.config.on_gone == "stop":
            self.battery.physics.set_meter_setpoint(0.0)

    def _follow(self, grid: float) -> None:
        self.misses = 0
        if self.meter_gone:
            if not self.config.resume:
                return
            self.meter_gone = False
        self.last_grid = grid
        physics = self.battery.physics
        physics.advance()
        output = physics.flows.ac_power
        setpoint = self.law.step(grid, output, self.battery.clock.monotonic())
        if setpoint is None:
            return
        profile = self.battery.profile
        low, high = -float(profile.max_charge), float(profile.max_discharge)
        physics.set_meter_setpoint(min(max(setpoint, low), high))
