"""Writes of the convergence app, one module per area; import from the module itself."""
