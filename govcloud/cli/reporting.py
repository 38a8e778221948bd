"""CLI area: reporting (registered on the root app)."""
