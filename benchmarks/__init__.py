"""Benchmarks: `make bench` (or `python -m benchmarks [--quick] [AREA…]`) prints one table."""
