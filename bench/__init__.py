"""Benchmarks of the ASCN Registry: `python -m bench` (see bench/cli.py and README.md)."""
