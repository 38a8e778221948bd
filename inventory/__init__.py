"""Inventory: models and loaders for a city's survey of departments, systems, networks, rooms, assets."""
