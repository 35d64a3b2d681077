"""Shared fixtures: where the repository and its tools are."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Revisions made without --date take this date (2026-12-06), in this process and in every
# sigen the tests start: golden trees and committed examples do not change with the day.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1796515200")

REPO = Path(__file__).resolve().parent.parent
ROLES = REPO / "roles"
SCENARIOS = REPO / "molecule"


def tool(name: str) -> str:
    """Path of a console script installed in the running virtual environment."""
    return str(Path(sys.executable).parent / name)


@pytest.fixture(scope="session")
def tool_env() -> dict[str, str]:
    """Environment for ansible-lint, molecule and ansible-* run from the repository."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_COLLECTIONS_PATH"] = str(REPO / ".collections")
    env["ANSIBLE_ROLES_PATH"] = str(ROLES)
    env["NO_COLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "false"
    return env
