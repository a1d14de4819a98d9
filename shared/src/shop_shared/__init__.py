"""Shared library of the shop services: contracts, topology, AWS adapters and messaging plumbing."""
