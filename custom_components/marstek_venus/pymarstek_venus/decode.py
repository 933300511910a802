"""Decode Open API ``result`` objects into typed models with normalised units and signs.

The public face of three modules: ``fields`` (reading one JSON value: numbers, flags, units,
sanity rules), ``decode_device`` (identity and write replies) and ``decode_readings`` (the
energy readings). ``DECODERS`` is the one table from method to decoder, each called as
``decoder(result, context)``; the named functions keep their own signatures.

Every decoder is pure: it takes the ``result`` object of one reply (plus the firmware
profile of the device that sent it) and returns a frozen model from ``models.py``.

Leniency: the firmware is inconsistent, so each field is decoded on its own. A field that is
missing, of the wrong type, not finite, or out of any physical range becomes ``None`` and the
rest of the reply still decodes. Numbers may arrive as JSON numbers or numeric strings (the PDF
types ``soc`` as a string); flags as booleans, 0/1 or "true"/"false". Only the *shape* is
strict: a ``result`` that is not a JSON object raises ``MarstekDecodeError``, and so does a
GetDevice reply without any BLE MAC. No other exception leaves this module.

Units are converted with the factors of the firmware profile (``profiles.py``), then checked
against each other where the device gives us something to compare with (temperature range,
remaining energy against SOC x rated capacity, PV power against voltage x current).

Sign conventions (marstek-open-api.md §3.3 -> design.md §2), converted here and nowhere else:

* ``bat_power`` (ES.GetStatus) is + when the battery *charges*. Home Assistant wants + for
  *discharging*, so ``battery_power = -bat_power``.
* When the firmware leaves ``bat_power`` out (most current firmware does), the battery's power
  is the AC balance: what leaves through the grid-tie port and the backup socket came from the
  battery, minus what the PV inputs supplied:
  ``battery_power = ongrid_power + offgrid_power - pv_power`` (already in HA's sign), and
  ``battery_power_computed`` is set. PV power comes from ES ``pv_power``; where that is a
  hard-coded 0 (Venus A/D 147/148, reported as None) the caller passes the latest
  PV.GetStatus instead. Models without PV inputs count 0 W; a PV model whose PV power is
  unknown gets ``battery_power = None`` rather than a wrong number. Firmware without
  ES.GetStatus (Venus E 3.0 <= 139) gets the same balance from ES.GetMode
  (``battery_power_from_mode``).
* ``ongrid_power`` is + when the battery delivers to the AC side (discharging) and - when it
  absorbs from AC (charging). That is already HA's sign, so ``ac_power`` keeps it.
* ``total_power`` and the phase powers of the CT meter are + for import from the grid, as the
  meter reports them; kept as they are.
* ``bat_current`` (Venus E 2.0 only) has no documented sign; it is passed through as reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from .const import DEFAULT_PORT, Method
from .decode_device import (
    decode_ble,
    decode_device,
    decode_set_result,
    decode_wifi,
    mac_from_src,
    model_from_src,
    normalise_mac,
)
from .decode_readings import (
    battery_power_from_mode,
    decode_battery,
    decode_es_status,
    decode_meter,
    decode_mode,
    decode_pv,
)
from .firmware import FirmwareProfile
from .models import PvStatus

__all__ = [
    "DECODERS",
    "Decoder",
    "ReplyContext",
    "battery_power_from_mode",
    "decode_battery",
    "decode_ble",
    "decode_device",
    "decode_es_status",
    "decode_meter",
    "decode_mode",
    "decode_pv",
    "decode_set_result",
    "decode_wifi",
    "mac_from_src",
    "model_from_src",
    "normalise_mac",
]


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What a decoder may need besides the reply's ``result``; each reads only its part."""

    profile: FirmwareProfile  # the sending device's firmware: units and valid fields
    pv: PvStatus | None = None  # the latest PV.GetStatus, for ES.GetStatus's battery balance
    src: str | None = None  # the reply's ``src``, for Marstek.GetDevice (MAC fallback)
    host: str = ""  # where the reply came from, for Marstek.GetDevice
    port: int = DEFAULT_PORT


type Decoder = Callable[[Mapping[str, Any], ReplyContext], object]


def _write_reply(result: Mapping[str, Any], _context: ReplyContext) -> bool:
    """Every write (ES.SetMode, DOD.SET, Led.Ctrl, Ble.Adv) answers with ``set_result``."""
    return decode_set_result(result)


# One decoder per method, reads and writes; the writes share one.
DECODERS: Final[Mapping[Method, Decoder]] = MappingProxyType(
    {
        Method.GET_DEVICE: lambda result, ctx: decode_device(result, ctx.src, ctx.host, ctx.port),
        Method.WIFI_STATUS: lambda result, _ctx: decode_wifi(result),
        Method.BLE_STATUS: lambda result, _ctx: decode_ble(result),
        Method.BATTERY_STATUS: lambda result, ctx: decode_battery(result, ctx.profile),
        Method.PV_STATUS: lambda result, ctx: decode_pv(result, ctx.profile),
        Method.ES_STATUS: lambda result, ctx: decode_es_status(result, ctx.profile, ctx.pv),
        Method.ES_MODE: lambda result, ctx: decode_mode(result, ctx.profile),
        Method.SET_MODE: _write_reply,
        Method.METER_STATUS: lambda result, ctx: decode_meter(result, ctx.profile),
        Method.SET_DOD: _write_reply,
        Method.LED_CTRL: _write_reply,
        Method.BLE_ADV: _write_reply,
    }
)
