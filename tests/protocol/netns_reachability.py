"""Run inside a client namespace by test_netns_reachability.py: probe each address given.

Prints one JSON object: for every ``host:port`` argument, the config flow's probe result (the
form error, or "ok") and how long it took. Uses the real neighbour table of the namespace.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from custom_components.marstek_venus.probe import async_probe


async def main(targets: list[str]) -> None:
    results: dict[str, dict[str, object]] = {}
    for target in targets:
        host, port = target.rsplit(":", 1)
        start = time.monotonic()
        device, error = await async_probe(host, int(port))
        results[target] = {
            "result": error or "ok",
            "ble_mac": device.ble_mac if device is not None else None,
            "seconds": round(time.monotonic() - start, 2),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
