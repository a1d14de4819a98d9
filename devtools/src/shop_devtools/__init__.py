"""Local runtime of the shop: emulators, provisioning, process supervision and the simulated payment provider."""
