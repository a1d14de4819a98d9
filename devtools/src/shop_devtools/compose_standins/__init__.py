"""Stand-ins for upstream images that devtools/compose_check.sh cannot pull on a machine without a registry.

Test tooling only: never deployed, never in docker-compose.yml. With a registry, compose runs the real images.
"""
