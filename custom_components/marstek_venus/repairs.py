"""Fix flow of the "battery looks reset" repair: write the stored state back.

The other issues (port in use, Open API not answering) are not fixable from Home Assistant:
they explain what to do and disappear on their own once the cause is gone (issues.py).
"""

from __future__ import annotations

import voluptuous as vol
from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER
from .coordinator import MarstekConfigEntry


class SettingsResetRepairFlow(RepairsFlow):
    """Confirm, then re-apply the stored schedule, depth of discharge and mode."""

    def __init__(self, entry_id: str) -> None:
        """The flow belongs to one config entry."""
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> FlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(self, user_input: dict[str, str] | None = None) -> FlowResult:
        """Write everything back once the user confirms."""
        entry: MarstekConfigEntry | None = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        if user_input is None:
            # The fix flow's text explains the issue (hassfest allows a fixable issue no
            # description of its own), so it gets the issue's placeholders too.
            issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
            placeholders = dict(issue.translation_placeholders or {}) if issue else {}
            return self.async_show_form(
                step_id="confirm",
                data_schema=vol.Schema({}),
                description_placeholders={**placeholders, "name": entry.title},
            )
        try:
            # The write path translates library errors and refreshes afterwards.
            await entry.runtime_data.control.async_reapply()
        except HomeAssistantError as err:
            LOGGER.warning("Re-applying the stored settings to %s failed: %s", entry.title, err)
            return self.async_abort(
                reason="reapply_failed", description_placeholders={"error": str(err)}
            )
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The only fixable issue is "settings_reset"; its data names the entry."""
    return SettingsResetRepairFlow(str((data or {}).get("entry_id")))
