"""Protocol constants of the Marstek Open API."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

DEFAULT_PORT: Final = 30000
# Request ids are stored as uint16 by the firmware, and 0 is what parse-error replies carry,
# so normal requests cycle through 1..65535.
MAX_REQUEST_ID: Final = 0xFFFF

# Device-safety floor (design.md §3): never less than this between two requests to one device.
MIN_REQUEST_GAP: Final = 0.3
DEFAULT_REQUEST_GAP: Final = 1.0

# JSON-RPC error codes the firmware uses.
ERROR_PARSE: Final = -32700
ERROR_INVALID_REQUEST: Final = -32600
ERROR_METHOD_NOT_FOUND: Final = -32601
ERROR_INVALID_PARAMS: Final = -32602


class Method(StrEnum):
    """Open API method names. They are case-sensitive on the device."""

    GET_DEVICE = "Marstek.GetDevice"
    WIFI_STATUS = "Wifi.GetStatus"
    BLE_STATUS = "BLE.GetStatus"
    BATTERY_STATUS = "Bat.GetStatus"
    PV_STATUS = "PV.GetStatus"
    ES_STATUS = "ES.GetStatus"
    ES_MODE = "ES.GetMode"
    SET_MODE = "ES.SetMode"
    METER_STATUS = "EM.GetStatus"
    SET_DOD = "DOD.SET"
    LED_CTRL = "Led.Ctrl"
    BLE_ADV = "Ble.Adv"


class Mode(StrEnum):
    """Operating modes, spelled as ES.GetMode reports them and ES.SetMode expects them."""

    AUTO = "Auto"
    AI = "AI"
    MANUAL = "Manual"
    PASSIVE = "Passive"
    UPS = "UPS"
