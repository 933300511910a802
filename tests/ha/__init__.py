"""Home Assistant tests of the Marstek Venus integration."""
