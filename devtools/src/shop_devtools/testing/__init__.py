"""pytest fixtures that give tests the real local runtime (registered in the root conftest.py)."""
