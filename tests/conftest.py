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


@pytest.fixture(scope="session")
def stand_in_roles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A role library built from tests/invalid/roles.yml (component -> options): the error
    snapshots check against it, so a change to a real role does not change them."""
    import yaml

    root = tmp_path_factory.mktemp("roles")
    specs = yaml.safe_load((REPO / "tests" / "invalid" / "roles.yml").read_text("utf-8"))
    for component, options in specs.items():
        (root / component / "tasks").mkdir(parents=True)
        (root / component / "meta").mkdir()
        spec = {"argument_specs": {"main": {"options": options}}}
        (root / component / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(spec))
    return root
