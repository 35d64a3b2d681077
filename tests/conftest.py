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


# Under pytest-xdist the longest lab work starts first and the rest fills the workers around
# it (durations in bench/README.md, CI): the on-premises lab end to end, the generated
# scenario, then the molecule scenarios from the slowest (the reverse of their serial order).
_FIRST = ("tests/lab/test_lab_e2e.py::",
          "tests/lab/test_molecule.py::test_generated_system_scenario",
          "tests/lab/test_molecule.py::test_molecule_scenario[")


def _start_order(position: int, item: pytest.Item) -> tuple[int, int]:
    for rank, prefix in enumerate(_FIRST):
        if item.nodeid.startswith(prefix):
            return rank, -position if prefix.endswith("[") else position
    return len(_FIRST), position


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist with ``--dist loadgroup`` (.ci/run), the unit of work is a group:
    a test without a group of its own joins its module's, so a module's fixtures (examples
    built once per module) run once, on one worker. The lab tests name their groups
    (one per lab, one per molecule scenario). Without xdist nothing changes."""
    # The workers collect (the controller only schedules what they report); xdist sets
    # ``loadgroup`` on each worker of a ``--dist loadgroup`` run.
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            module = getattr(item, "module", None)
            item.add_marker(pytest.mark.xdist_group(module.__name__ if module else item.nodeid))
    ordered = sorted(enumerate(items), key=lambda pair: _start_order(*pair))
    items[:] = [item for _, item in ordered]


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
