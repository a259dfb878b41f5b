"""Writes of the reporting app, one module per area; import from the module itself."""
