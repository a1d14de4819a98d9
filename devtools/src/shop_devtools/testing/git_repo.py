"""Git in a throwaway repository, for tests of code that reads history (the event catalog's baseline)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["git"]

# An author of its own and no user or system configuration: the test's commits do not depend on the machine.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "catalog test",
    "GIT_AUTHOR_EMAIL": "catalog-test@example.com",
    "GIT_COMMITTER_NAME": "catalog test",
    "GIT_COMMITTER_EMAIL": "catalog-test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *arguments: str) -> str:
    """Run `git -C repo ...` and return its output (raises on a non-zero exit)."""
    return subprocess.run(
        ["git", "-C", str(repo), *arguments],
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()
