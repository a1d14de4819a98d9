"""`make bench-efficiency`: each part of the design beside the raw AWS calls it needs, and the capacity sheet."""
