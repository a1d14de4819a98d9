"""Benchmarks that print figures measured in one run (the machine is shared): `make bench-tiers`."""
