"""Writes of the api app, one module per area; import from the module itself."""
