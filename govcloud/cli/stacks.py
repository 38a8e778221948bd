"""CLI area: stacks (registered on the root app)."""
