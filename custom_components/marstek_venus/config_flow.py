"""Config flow of the Marstek Venus integration."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

from .const import (
    CONF_PASSIVE_KEEP_ALIVE,
    CONF_POLL_GROUPS,
    CONF_POWER_LIMIT,
    CONF_REQUEST_GAP,
    CONF_SCAN_INTERVAL,
    CONF_UNAVAILABLE_AFTER,
    DEFAULT_PASSIVE_KEEP_ALIVE,
    DEFAULT_POLL_GROUPS,
    DEFAULT_PORT,
    DEFAULT_REQUEST_GAP,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_UNAVAILABLE_AFTER,
    DOMAIN,
    LOGGER,
    MAX_REQUEST_GAP,
    MAX_SCAN_INTERVAL,
    MAX_UNAVAILABLE_AFTER,
    MIN_POWER_LIMIT,
    MIN_REQUEST_GAP,
    MIN_SCAN_INTERVAL,
    OPTIONAL_GROUPS,
)
from .coordinator import MarstekConfigEntry
from .discovery import CONF_BLE_MAC, CONF_FIRMWARE, CONF_MODEL, async_discover_devices
from .entity import model_name
from .protocol.client import MarstekClient
from .protocol.errors import (
    MarstekConnectionError,
    MarstekError,
    MarstekInvalidHostError,
    MarstekPortInUseError,
)
from .protocol.models import DeviceInfo
from .protocol.profiles import FIRMWARE_POWER_LIMIT

CONF_DEVICE = "device"
MANUAL = "manual"

HOST_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PORT, default=DEFAULT_PORT): vol.All(
            NumberSelector(
                NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
            ),
            vol.Coerce(int),
        ),
    }
)


async def async_probe(host: str, port: int) -> tuple[DeviceInfo | None, str | None]:
    """Ask ``host:port`` for Marstek.GetDevice; return the device or a form error key."""
    try:
        client = MarstekClient(host, port)
    except MarstekInvalidHostError:
        return None, "invalid_host"
    try:
        await client.connect()
        return await client.get_device(), None
    except MarstekPortInUseError:
        # The battery answers to its API port, so we must bind that port ourselves; another
        # program on this host (the Daikin integration uses 30000 too) holds it.
        return None, "port_in_use"
    except MarstekInvalidHostError:
        return None, "invalid_host"
    except MarstekConnectionError:
        return None, "no_reply"
    except MarstekError:
        # It answered, but not like a Marstek battery (error reply, undecodable result).
        return None, "not_marstek"
    except Exception:
        LOGGER.exception("Unexpected error while probing %s:%s", host, port)
        return None, "unknown"
    finally:
        await client.close()


def _title(model: str) -> str:
    return f"Marstek {model}"


class MarstekConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a battery: picked from a scan, entered by hand, or discovered."""

    VERSION = 1

    def __init__(self) -> None:
        """Nothing found yet."""
        self._discovered: dict[str, DeviceInfo] = {}
        self._discovery: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: MarstekConfigEntry) -> MarstekOptionsFlow:
        """Polling options."""
        return MarstekOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Scan the network and offer the batteries that are not set up yet."""
        configured = self._async_current_ids(include_ignore=False)
        self._discovered = {
            device.ble_mac: device
            for device in await async_discover_devices(self.hass)
            if device.ble_mac not in configured
        }
        if not self._discovered:
            return await self.async_step_manual()
        return await self.async_step_pick_device()

    async def async_step_pick_device(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose a battery found by the scan, or enter one by hand."""
        if user_input is not None:
            if (choice := user_input[CONF_DEVICE]) == MANUAL:
                return await self.async_step_manual()
            device = self._discovered[choice]
            await self.async_set_unique_id(device.ble_mac, raise_on_progress=False)
            self._abort_if_unique_id_configured(
                updates={CONF_HOST: device.host, CONF_PORT: device.port}
            )
            return self.async_create_entry(
                title=_title(model_name(device.model)),
                data={CONF_HOST: device.host, CONF_PORT: device.port},
            )
        options = [
            SelectOptionDict(
                value=device.ble_mac,
                label=f"{model_name(device.model)} · {device.firmware} · {device.host}",
            )
            for device in self._discovered.values()
        ]
        options.append(SelectOptionDict(value=MANUAL, label=MANUAL))
        return self.async_show_form(
            step_id="pick_device",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_DEVICE): SelectSelector(
                        SelectSelectorConfig(
                            options=options,
                            mode=SelectSelectorMode.LIST,
                            translation_key="pick_device",
                        )
                    )
                }
            ),
        )

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Enter host and port; the battery must answer before an entry is made."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), user_input[CONF_PORT]
            device, error = await async_probe(host, port)
            if device is None:
                errors["base"] = str(error)
            else:
                await self.async_set_unique_id(device.ble_mac, raise_on_progress=False)
                # A battery we know, at a new address: follow it instead of refusing.
                self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
                return self.async_create_entry(
                    title=_title(model_name(device.model)),
                    data={CONF_HOST: host, CONF_PORT: port},
                )
        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(HOST_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """A battery answered the background scan."""
        host, port = discovery_info[CONF_HOST], discovery_info[CONF_PORT]
        await self.async_set_unique_id(discovery_info[CONF_BLE_MAC])
        self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
        self._discovery = discovery_info
        model = model_name(str(discovery_info[CONF_MODEL]))
        self.context["title_placeholders"] = {"name": f"{model} ({host})"}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user confirm a discovered battery."""
        discovery = self._discovery
        model = model_name(str(discovery[CONF_MODEL]))
        if user_input is not None:
            return self.async_create_entry(
                title=_title(model),
                data={CONF_HOST: discovery[CONF_HOST], CONF_PORT: discovery[CONF_PORT]},
            )
        self._set_confirm_only()
        return self.async_show_form(
            step_id="discovery_confirm",
            description_placeholders={
                "model": model,
                "firmware": str(discovery[CONF_FIRMWARE]),
                "host": discovery[CONF_HOST],
            },
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A battery we know got a (new) IP address from the DHCP server."""
        await self.async_set_unique_id(format_mac(discovery_info.macaddress).replace(":", ""))
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.ip})
        # Only registered devices are matched, so this is an entry that is being removed:
        # nothing to offer.
        return self.async_abort(reason="no_devices_found")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host and port of a battery (the same battery only)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), user_input[CONF_PORT]
            device, error = await async_probe(host, port)
            if device is None:
                errors["base"] = str(error)
            else:
                await self.async_set_unique_id(device.ble_mac)
                self._abort_if_unique_id_mismatch(reason="different_battery")
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_HOST: host, CONF_PORT: port}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HOST_SCHEMA, user_input or dict(entry.data)
            ),
            errors=errors,
        )


OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SCAN_INTERVAL): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=MIN_SCAN_INTERVAL,
                    max=MAX_SCAN_INTERVAL,
                    step=1,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_REQUEST_GAP): NumberSelector(
            NumberSelectorConfig(
                min=MIN_REQUEST_GAP,
                max=MAX_REQUEST_GAP,
                step=0.1,
                unit_of_measurement="s",
                mode=NumberSelectorMode.BOX,
            )
        ),
        vol.Required(CONF_POLL_GROUPS): SelectSelector(
            SelectSelectorConfig(
                options=[str(group) for group in OPTIONAL_GROUPS],
                multiple=True,
                mode=SelectSelectorMode.LIST,
                translation_key="poll_groups",
            )
        ),
        vol.Required(CONF_UNAVAILABLE_AFTER): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=1, max=MAX_UNAVAILABLE_AFTER, step=1, mode=NumberSelectorMode.BOX
                )
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_POWER_LIMIT): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=MIN_POWER_LIMIT,
                    max=FIRMWARE_POWER_LIMIT,
                    step=1,
                    unit_of_measurement="W",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_PASSIVE_KEEP_ALIVE): BooleanSelector(),
    }
)


class MarstekOptionsFlow(OptionsFlow):
    """How often and how much to read; how hard passive and manual mode may push."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the polling options; a change reloads the entry."""
        entry = self.config_entry
        if user_input is not None:
            options = dict(user_input)
            if options != dict(entry.options):
                # Reload here rather than through an update listener: a listener together
                # with the flow helpers that reload is deprecated (error from 2026.12), and
                # OptionsFlowWithReload does not exist on 2025.4. Updating first means the
                # reload sees the new options.
                self.hass.config_entries.async_update_entry(entry, options=options)
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data=options)
        current = {
            CONF_SCAN_INTERVAL: DEFAULT_SCAN_INTERVAL,
            CONF_REQUEST_GAP: DEFAULT_REQUEST_GAP,
            CONF_POLL_GROUPS: [str(group) for group in DEFAULT_POLL_GROUPS],
            CONF_UNAVAILABLE_AFTER: DEFAULT_UNAVAILABLE_AFTER,
            CONF_POWER_LIMIT: FIRMWARE_POWER_LIMIT,
            CONF_PASSIVE_KEEP_ALIVE: DEFAULT_PASSIVE_KEEP_ALIVE,
            **entry.options,
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, current),
        )
