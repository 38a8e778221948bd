"""CLI area: synth (registered on the root app)."""
