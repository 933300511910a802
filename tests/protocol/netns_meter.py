"""Run inside the meter namespace by test_netns_meter.py: an emulated Shelly on 0.0.0.0.

Usage: python netns_meter.py MODEL FEED_URL TOLERANCE TIMEOUT

Serves the library's ``MeterServer`` for MODEL (a key of ``SHELLY_MODELS``) on the model's own
ports on every address of the namespace, answering each poll with the household's grid power
read from the simulator's grid feed at FEED_URL (what Home Assistant's grid sensor would hold).
Stops once the house load has stepped and the grid has stayed within TOLERANCE W for three
samples in a row, or after TIMEOUT s, and prints JSON: the ports bound, the statistics per
sender, and every feed sample seen.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from _protocol_entry import load_protocol

load_protocol()

from custom_components.marstek_venus.pymarstek_venus.meter import (  # noqa: E402
    SHELLY_MODELS,
    MeterReading,
    MeterServer,
)

FETCH_INTERVAL = 0.05  # s between two reads of the feed (faster than any feed period)
SETTLED_SAMPLES = 3


async def fetch(url: str) -> dict[str, Any]:
    """One ``GET`` of the grid feed."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(f"GET / HTTP/1.1\r\nHost: {parts.hostname}\r\n\r\n".encode())
    await writer.drain()
    response = await asyncio.wait_for(reader.read(), 5.0)
    writer.close()
    sample: dict[str, Any] = json.loads(response.partition(b"\r\n\r\n")[2])
    return sample


def settled(timeline: list[dict[str, Any]], stepped_load: float, tolerance: float) -> bool:
    """The load has stepped, and the last samples since are all within ``tolerance``."""
    after = [s for s in timeline if s["load"] >= stepped_load]
    last = after[-SETTLED_SAMPLES:]
    return len(last) == SETTLED_SAMPLES and all(abs(s["grid_power"]) <= tolerance for s in last)


async def main(model_key: str, url: str, tolerance: float, timeout: float) -> dict[str, Any]:
    latest: dict[str, Any] = {}
    timeline: list[dict[str, Any]] = []

    def value_for(sender: str) -> MeterReading | None:
        # The household has one battery: whoever polls gets the whole grid power.
        return MeterReading.single(latest["grid_power"]) if latest else None

    server = MeterServer(SHELLY_MODELS[model_key], value_for, host="0.0.0.0")
    await server.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            sample = await fetch(url)
            if not timeline or sample["time"] != timeline[-1]["time"]:
                timeline.append(sample)
                latest.update(sample)
            if settled(timeline, 800.0, tolerance):
                break
            await asyncio.sleep(FETCH_INTERVAL)
        ports = server.ports
    finally:
        await server.stop()
    return {
        "ports": list(ports),
        "senders": {
            ip: {"served": s.served, "silent": s.silent, "refused": s.refused_total}
            for ip, s in server.senders.items()
        },
        "timeline": timeline,
        "settled": settled(timeline, 800.0, tolerance),
    }


if __name__ == "__main__":
    model, feed, band, limit = sys.argv[1:5]
    print(json.dumps(asyncio.run(main(model, feed, float(band), float(limit)))))
