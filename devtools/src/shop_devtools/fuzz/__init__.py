"""`make fuzz`: every service's OpenAPI document fuzzed by schemathesis (`--checks all`, a fixed seed) against its
real process, on a system of the run's own. `python -m shop_devtools.fuzz` (cli.py); plan.py says what is run,
stack.py starts the system, hooks.py is loaded by schemathesis."""
