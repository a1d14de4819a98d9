"""Run shopctl as an operator would: its own process, against one test module's deployment (prefix)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["ShopctlRun", "run_shopctl"]


@dataclass(frozen=True)
class ShopctlRun:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_shopctl(prefix: str, *args: str, timeout: float = 120.0) -> ShopctlRun:
    """`shopctl --prefix PREFIX ARGS...` with the AWS variables of the session's emulators (set by `local_aws`)."""
    completed = subprocess.run(
        [sys.executable, "-m", "shop_devtools.shopctl", "--prefix", prefix, *args],
        env={**os.environ, "COLUMNS": "200"},  # wide enough that rich does not wrap the lines the tests read
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return ShopctlRun(completed.returncode, completed.stdout, completed.stderr)
