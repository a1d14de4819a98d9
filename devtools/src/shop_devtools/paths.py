"""Where the local runtime keeps its environments, data and run state (all under .local/, git-ignored)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
LOCAL_DIR = REPO_ROOT / ".local"
VENVS_DIR = LOCAL_DIR / "venvs"
RUN_DIR = LOCAL_DIR / "run"
TRACES_DIR = LOCAL_DIR / "traces"  # one OTLP JSON lines file per process (TRACES_FILE), read by `make trace`
EMULATOR_REQUIREMENTS_DIR = REPO_ROOT / "devtools" / "emulators"
