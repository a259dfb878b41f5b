"""Writes of the exchange app, one module per area; import from the module itself."""
