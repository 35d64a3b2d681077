"""Run every molecule scenario for real: converge, idempotence and verify on lab hosts."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SCENARIOS, tool

# Fast, dependency-free scenarios first so a broken lab shows up early; the
# multi-host backup scenario last because it is the slowest.
ORDER = [
    "common", "hardening", "firewall", "redis", "nginx", "haproxy", "monitoring",
    "app_service", "postgresql", "backup_server", "backup_client", "backup",
]
FOUND = sorted(p.parent.name for p in SCENARIOS.glob("*/molecule.yml"))
SCENARIO_NAMES = [s for s in ORDER if s in FOUND] + [s for s in FOUND if s not in ORDER]
LOGS = REPO / "build" / "molecule"


@pytest.mark.lab
# Each scenario is a unit of work of its own under pytest-xdist: their containers, ports and
# networks differ, so scenarios run side by side.
@pytest.mark.parametrize("scenario", [pytest.param(s, marks=pytest.mark.xdist_group(
    f"molecule-{s}")) for s in SCENARIO_NAMES])
def test_molecule_scenario(scenario: str, tool_env: dict[str, str]) -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    log: Path = LOGS / f"{scenario}.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        result = subprocess.run(
            [tool("molecule"), "test", "-s", scenario],
            cwd=REPO, env=tool_env, stdout=out, stderr=subprocess.STDOUT, check=False,
        )
    elapsed = time.monotonic() - started
    print(f"molecule test -s {scenario}: {elapsed:.0f} s (log: {log.relative_to(REPO)})")
    if result.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-80:])
        pytest.fail(f"molecule test -s {scenario} failed after {elapsed:.0f} s:\n{tail}")


@pytest.mark.lab
@pytest.mark.xdist_group("lab-clinic")
def test_generated_system_scenario(tmp_path: Path, tool_env: dict[str, str]) -> None:
    """The molecule scenario sigen build writes into a project passes as generated:
    the blueprint's hosts on podman, converge site.yml, idempotence, verify.yml."""
    from sigen.build import build

    # The virtualised example: onprem-physical is deployed end to end by test_lab_e2e.py.
    out = tmp_path / "virtualised"
    build(REPO / "blueprints" / "virtualised.yml", out, REPO / "roles")
    env = dict(tool_env)
    env.pop("ANSIBLE_ROLES_PATH", None)  # the scenario finds the project's own roles
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / "generated-virtualised.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as output:
        result = subprocess.run([tool("molecule"), "test"], cwd=out, env=env, stdout=output,
                                stderr=subprocess.STDOUT, check=False, timeout=3000)
    elapsed = time.monotonic() - started
    print(f"generated scenario (virtualised): {elapsed:.0f} s (log: "
          f"{log.relative_to(REPO)})")
    text = log.read_text(encoding="utf-8")
    if result.returncode != 0:
        tail = "\n".join(text.splitlines()[-80:])
        pytest.fail(f"molecule test of the generated project failed after {elapsed:.0f} s:"
                    f"\n{tail}")
    for action in ("converge", "idempotence", "verify"):
        assert f"default > {action}: Executed: Successful" in text, action
    assert "TST Services answer and declared flows reach their targets" in text
