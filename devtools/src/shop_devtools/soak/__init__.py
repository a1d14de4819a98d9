"""`make soak`: a long run under scheduled faults, then every invariant checked (see cli.py)."""
