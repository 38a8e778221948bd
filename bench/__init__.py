"""Benchmarks: `python -m bench.<name>` writes a results table under bench/results/ (see BENCHMARKS.md)."""
