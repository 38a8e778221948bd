"""CLI area: inventory (registered on the root app)."""
