"""Several simulated batteries sharing one clock, started and stopped together."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Self

from .battery import DEFAULT_PORT, SimulatedBattery
from .clock import Clock, ScaledClock
from .profiles import DeviceProfile
from .records import RequestRecord, Violation


class Simulator:
    """A fleet of batteries on one clock.

    ``time_scale`` speeds up the shared clock (ignored when `clock` is given). Each battery added
    with `add` gets the simulator's clock and a seed derived from the simulator's seed and its
    position, so a fleet is reproducible as a whole.
    """

    def __init__(
        self,
        batteries: Iterable[SimulatedBattery] = (),
        *,
        clock: Clock | None = None,
        time_scale: float = 1.0,
        seed: int = 0,
    ) -> None:
        self.clock: Clock = clock if clock is not None else ScaledClock(time_scale)
        self.seed = seed
        self.batteries: list[SimulatedBattery] = list(batteries)
        self._started = False

    def add(
        self,
        profile: str | DeviceProfile,
        host: str,
        port: int = DEFAULT_PORT,
        **kwargs: Any,
    ) -> SimulatedBattery:
        """Create a battery on the shared clock (kwargs go to `SimulatedBattery`)."""
        kwargs.setdefault("clock", self.clock)
        kwargs.setdefault("seed", self.seed * 1000 + len(self.batteries))
        battery = SimulatedBattery(profile, host, port, **kwargs)
        self.batteries.append(battery)
        return battery

    async def start(self) -> None:
        """Start every battery; on failure the ones already started are stopped again."""
        try:
            for battery in self.batteries:
                await battery.start()
        except BaseException:
            await self.stop()
            raise
        self._started = True

    async def stop(self) -> None:
        for battery in self.batteries:
            await battery.stop()
        self._started = False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __iter__(self) -> Iterator[SimulatedBattery]:
        return iter(self.batteries)

    def __len__(self) -> int:
        return len(self.batteries)

    def __getitem__(self, index: int) -> SimulatedBattery:
        return self.batteries[index]

    def by_mac(self, ble_mac: str) -> SimulatedBattery:
        for battery in self.batteries:
            if battery.ble_mac == ble_mac.lower():
                return battery
        raise KeyError(ble_mac)

    @property
    def violations(self) -> list[Violation]:
        """Every battery's safety violations, in time order."""
        return sorted((v for b in self.batteries for v in b.violations), key=lambda v: v.time)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every battery's received requests, in time order."""
        return sorted((r for b in self.batteries for r in b.requests), key=lambda r: r.time)
