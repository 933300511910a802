"""What the config flow asks of an address before it makes an entry.

First a quick reachability probe (pymarstek_venus/reachability.py): a GetDevice that also hears ICMP
errors, with the kernel's neighbour table asked when nothing came back. It answers in well
under a second for a battery or a closed port, and in about three and a half seconds for an
empty address or a silent host, where a plain request needs its whole retry budget (about
14 s) and cannot tell these apart. A battery's reply to the probe is decoded at once; a busy
or odd reply, and an address nothing can be said about (behind a router), get the client's
full, retried GetDevice as before.
"""

from __future__ import annotations

import asyncio

from .const import LOGGER
from .hostname import HostNotFoundError, async_resolve_host
from .neighbours import neighbour_presence
from .pymarstek_venus import (
    DeviceInfo,
    MarstekClient,
    MarstekConnectionError,
    MarstekDecodeError,
    MarstekError,
    MarstekInvalidHostError,
    MarstekPortInUseError,
    PresenceLookup,
    Reachability,
    Verdict,
    decode_device,
    probe as probe_reachability,
)

# Form errors (config.error.*) for what the probe found.
_ERRORS = {
    Verdict.REFUSED: "port_closed",
    Verdict.NO_HOST: "no_host",
    Verdict.SILENT: "api_silent",
}


async def arp_presence(host: str) -> bool | None:
    """The neighbour table's word on ``host`` (read in the executor)."""
    return await asyncio.get_running_loop().run_in_executor(None, neighbour_presence, host)


async def async_probe(
    host: str, port: int, *, presence: PresenceLookup = arp_presence
) -> tuple[DeviceInfo | None, str | None]:
    """Resolve ``host`` and ask it for Marstek.GetDevice; return the device or a form error."""
    try:
        address = await async_resolve_host(host)
    except MarstekInvalidHostError:
        return None, "invalid_host"
    except HostNotFoundError:
        return None, "cannot_resolve"
    try:
        found = await probe_reachability(address, port, presence=presence)
    except MarstekPortInUseError:
        # The battery answers to its API port, so we must bind that port ourselves; another
        # program on this host (the Daikin integration uses 30000 too) holds it.
        return None, "port_in_use"
    except MarstekError as err:
        LOGGER.debug("Reachability probe of %s:%s failed: %s", address, port, err)
        found = Reachability(Verdict.UNKNOWN)
    if (error := _ERRORS.get(found.verdict)) is not None:
        return None, error
    if found.reply is not None:
        result, src = found.reply.get("result"), found.reply.get("src")
        if isinstance(result, dict):
            try:
                return decode_device(
                    result, src if isinstance(src, str) else None, address, port
                ), None
            except MarstekDecodeError:
                return None, "not_marstek"
    return await _async_get_device(address, port)


async def _async_get_device(address: str, port: int) -> tuple[DeviceInfo | None, str | None]:
    """The client's full GetDevice, with its retries and error classification."""
    try:
        client = MarstekClient(address, port)
    except MarstekInvalidHostError:
        return None, "invalid_host"
    try:
        await client.connect()
        return await client.get_device(), None
    except MarstekPortInUseError:
        return None, "port_in_use"
    except MarstekInvalidHostError:
        return None, "invalid_host"
    except MarstekConnectionError:
        return None, "no_reply"
    except MarstekError:
        # It answered, but not like a Marstek battery (error reply, undecodable result).
        return None, "not_marstek"
    except Exception:
        LOGGER.exception("Unexpected error while probing %s:%s", address, port)
        return None, "unknown"
    finally:
        await client.close()
