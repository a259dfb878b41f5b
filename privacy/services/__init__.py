"""Writes of the privacy app, one module per area; import from the module itself."""
