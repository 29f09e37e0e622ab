"""Benchmarks of the ASCN Registry: `python -m bench` (see bench/run.py and README.md)."""
