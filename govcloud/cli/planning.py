"""CLI area: planning (registered on the root app)."""
