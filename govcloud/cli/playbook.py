"""CLI area: playbook (registered on the root app)."""
