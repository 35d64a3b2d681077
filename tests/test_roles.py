"""The role library: every role has one documented interface, a scenario, and lints clean."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.conftest import REPO, ROLES, SCENARIOS, tool

ROLE_NAMES = sorted(p.name for p in ROLES.iterdir() if (p / "tasks").is_dir())


def _load(path):  # type: ignore[no-untyped-def]
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_library_has_the_roles_the_compiler_wires() -> None:
    expected = {
        "common", "hardening", "firewall", "nginx", "haproxy", "postgresql",
        "redis", "backup_server", "backup_client", "monitoring",
    }
    assert expected <= set(ROLE_NAMES)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_defaults_are_exactly_the_documented_options(role: str) -> None:
    """argument_specs is the single interface: no undocumented default, no option without one."""
    specs = _load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]
    options = specs.get("options", {})
    defaults = _load(ROLES / role / "defaults" / "main.yml") or {}
    assert set(defaults) <= set(options), f"undocumented defaults: {set(defaults) - set(options)}"
    for name, option in options.items():
        assert name.startswith(f"{role}_"), f"{name} lacks the role prefix"
        assert option.get("description"), f"{name} has no description"
        if not option.get("required"):
            assert name in defaults, f"optional {name} has no default in defaults/main.yml"


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_role_has_a_molecule_scenario(role: str) -> None:
    scenario = SCENARIOS / role
    for name in ("molecule.yml", "converge.yml", "verify.yml"):
        assert (scenario / name).is_file(), f"molecule/{role}/{name} is missing"


def test_ansible_lint_production_profile_passes(tool_env: dict[str, str]) -> None:
    result = subprocess.run(
        [tool("ansible-lint"), "--profile", "production", "--offline", "roles", "molecule"],
        cwd=REPO, env=tool_env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_yamllint_passes(tool_env: dict[str, str]) -> None:
    result = subprocess.run(
        [tool("yamllint"), "--strict", "roles", "molecule", ".config"],
        cwd=REPO, env=tool_env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
