"""The bottom layer every govcloud package may use: atomic output, errors, progress reporting.

It imports nothing of the project, so the core packages (inventory, planner, stacks, playbooks,
reporting) and the CLI all build on it without reaching up or sideways.
"""
