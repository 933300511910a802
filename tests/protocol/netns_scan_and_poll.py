"""Run inside the client namespace of test_netns_discovery: poll one battery while scanning.

Usage: python netns_scan_and_poll.py POLLED_HOST SCANS
Polls POLLED_HOST (ES.GetMode, the default 1 s gap) for as long as SCANS broadcast scans on
the default targets (255.255.255.255 and every interface's broadcast) take, then prints the
batteries the scans found as JSON, one list per scan.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from _protocol_entry import load_protocol

load_protocol()

from custom_components.marstek_venus.pymarstek_venus import MarstekClient, discover  # noqa: E402


async def main(polled_host: str, scans: int) -> list[list[dict[str, object]]]:
    stop = asyncio.Event()
    found: list[list[dict[str, object]]] = []

    async def poll(client: MarstekClient) -> None:
        await client.get_device()
        while not stop.is_set():
            await client.get_mode()

    async def scan() -> None:
        for _ in range(scans):
            devices = await discover(timeout=4.0)
            found.append([{"ble_mac": d.ble_mac, "host": d.host, "port": d.port} for d in devices])
        stop.set()

    async with MarstekClient(polled_host) as client:
        await asyncio.gather(poll(client), scan())
    return found


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], int(sys.argv[2])))))
