"""Writes of the members app, one module per area; import from the module itself."""
