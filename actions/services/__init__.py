"""Writes of the actions app, one module per area; import from the module itself."""
