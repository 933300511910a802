"""The soak's virtual-time event loop: time jumps when idle, real UDP, stalls cost nothing."""

from __future__ import annotations

import asyncio
import time

import pytest

from benchmarks.harness import free_udp_port
from benchmarks.virtual_time import VirtualClock, run


def test_an_hour_of_sleep_takes_no_real_time() -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.sleep(3600)
        return loop.time() - start

    clock = VirtualClock(start=0.0)
    started = time.monotonic()
    assert run(main(), clock) == 3600
    assert clock.now == 3600
    assert time.monotonic() - started < 60  # a bound against a hang, not a measurement


def test_a_busy_loop_costs_no_virtual_time() -> None:
    """A CPU stall (here a blocking sleep) does not move the clock: no timer fires early."""

    async def main() -> tuple[float, bool]:
        loop = asyncio.get_running_loop()
        fired = loop.create_future()
        loop.call_later(0.05, fired.set_result, True)
        start = loop.time()
        time.sleep(0.2)  # noqa: ASYNC251  # the stall under test
        await asyncio.sleep(0)  # one turn of the loop: on a real clock the timer is due now
        return loop.time() - start, fired.done()

    stalled, fired = run(main(), VirtualClock(start=0.0))
    assert stalled == 0
    assert fired is False


class _Echo(asyncio.DatagramProtocol):
    """Answers each datagram 0.15 s later, like a battery with latency."""

    transport: asyncio.DatagramTransport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        asyncio.get_running_loop().call_later(0.15, self.transport.sendto, data, addr)


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.arrivals: asyncio.Queue[float] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.arrivals.put_nowait(asyncio.get_running_loop().time())


@pytest.mark.usefixtures("socket_enabled")
def test_udp_on_loopback_arrives_at_the_virtual_moment_it_was_sent() -> None:
    """Replies come exactly 0.15 virtual seconds after each request, a second apart."""

    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        echo, _ = await loop.create_datagram_endpoint(_Echo, local_addr=("127.0.0.1", 0))
        receiver = _Receiver()
        client, _ = await loop.create_datagram_endpoint(
            lambda: receiver, local_addr=("127.0.0.1", 0)
        )
        latencies = []
        try:
            for index in range(200):
                sent = loop.time()
                client.sendto(b"%d" % index, echo.get_extra_info("sockname"))
                latencies.append(await asyncio.wait_for(receiver.arrivals.get(), 2.5) - sent)
                await asyncio.sleep(1.0)
        finally:
            client.close()
            echo.close()
        return latencies

    latencies = run(main(), VirtualClock(start=0.0))
    assert latencies == pytest.approx([0.15] * 200, abs=1e-9)


# --- what the soak needs from the library: every wait measured on the loop's clock ----------


def test_the_library_paces_on_the_loops_clock() -> None:
    """A pacing wait shrinks as the loop's clock moves, on a virtual clock too."""
    from custom_components.marstek_venus.pymarstek_venus.pacing import Pacer

    async def main() -> float:
        pacer = Pacer()
        pacer.sent("127.0.0.9", 30000, 1.0)
        await asyncio.sleep(0.6)
        return pacer.unicast_delay("127.0.0.9", 30000, 1.0)

    assert run(main(), VirtualClock(start=0.0)) == pytest.approx(0.4)


@pytest.mark.usefixtures("socket_enabled")
def test_a_scan_keeps_its_schedule_on_the_loops_clock() -> None:
    """A scan that finds nothing takes its probe rounds and quiet period in loop time."""
    from custom_components.marstek_venus.pymarstek_venus import Timing, discover

    async def main() -> tuple[list[object], float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        found = await discover([free_udp_port()], targets=["127.0.0.9"], timeout=30.0)
        return list(found), loop.time() - start

    found, took = run(main(), VirtualClock(start=0.0))
    assert found == []
    timing = Timing()
    last_probe = timing.probe_schedule[-1]
    assert last_probe + timing.quiet_period <= took < last_probe + timing.quiet_period + 1.0
