"""Benchmarks run by `make bench`; each writes figures and plots into .data/bench/."""
