"""The real tools judge every example's output: ansible-playbook --syntax-check,
ansible-inventory --list, yamllint (the YAML files), a JSON check (the inventories, which
yamllint does not read) and ansible-lint --profile production."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sigen.build import build
from tests.conftest import REPO, tool
from tests.test_build_cases import BLUEPRINTS, roles_dir


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("outputs")
    roles = roles_dir(root)[0]
    built = {}
    for name, blueprint in sorted(BLUEPRINTS.items()):
        built[name] = root / name
        build(blueprint, built[name], roles)
    return built


def _env(tool_env: dict[str, str]) -> dict[str, str]:
    env = dict(tool_env)
    env.pop("ANSIBLE_ROLES_PATH", None)  # the output must find its own roles
    return env


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_syntax_check(name: str, outputs: dict[str, Path], tool_env: dict[str, str]) -> None:
    out = outputs[name]
    books = [b for b in ("site.yml", "backup.yml", "restore.yml", "drill.yml", "verify.yml",
                         "inventory.yml", "awx/controller.yml", "molecule/default/create.yml",
                         "molecule/default/destroy.yml")
             if (out / b).exists()]
    run = subprocess.run([tool("ansible-playbook"), "--syntax-check", *books], cwd=out,
                         env=_env(tool_env), capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_inventory_lists_every_host(name: str, outputs: dict[str, Path],
                                    tool_env: dict[str, str]) -> None:
    out = outputs[name]
    inventories = sorted((out / "inventories").glob("*/hosts.json"))
    assert [p.parent.name for p in inventories] == ["lab", "production"]
    for inventory in inventories:
        run = subprocess.run([tool("ansible-inventory"), "--list", "-i", str(inventory)],
                             cwd=out, env=_env(tool_env), capture_output=True, text=True,
                             check=False)
        assert run.returncode == 0, run.stderr
        assert "WARNING" not in run.stderr, run.stderr
        listed = json.loads(run.stdout)
        host_files = {p.stem for p in (inventory.parent / "host_vars").iterdir()}
        assert set(listed["_meta"]["hostvars"]) == host_files
        for host in host_files:
            assert listed["_meta"]["hostvars"][host]["ansible_host"]


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"a key twice: {keys}"
    return dict(pairs)


def test_json_files_are_well_formed(outputs: dict[str, Path]) -> None:
    """What yamllint is to the YAML files: every JSON file parses, holds no key twice (a
    host file joins two mappings), is indented and ends with one newline."""
    for name, out in outputs.items():
        files = sorted((out / "inventories").rglob("*.json"))
        assert files, name
        for path in files:
            text = path.read_text(encoding="utf-8")
            json.loads(text, object_pairs_hook=_unique)
            assert text.endswith("}\n") and not text.endswith("\n\n"), path
            assert "\t" not in text and all(line == line.rstrip() for line in
                                             text.splitlines()), path


def test_yamllint(outputs: dict[str, Path], tool_env: dict[str, str]) -> None:
    for name, out in outputs.items():
        run = subprocess.run([tool("yamllint"), "-s", "."], cwd=out, env=_env(tool_env),
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, f"{name}:\n{run.stdout}{run.stderr}"


def test_ansible_lint_production(outputs: dict[str, Path], tool_env: dict[str, str]) -> None:
    """ansible-lint takes 30-60 s per project here (two cores), so the fast suite lints the
    format's defining example; SIGEN_LINT_ALL=1 lints every example (CI sets it).

    What sigen generates is linted: playbooks, inventories, molecule scenario, AWX
    configuration. The project's roles/ are byte copies of the library's roles
    (test_build.py::test_roles_are_copied_as_they_are), which tests/test_roles.py lints
    with the same profile; linting them again in every project was a quarter of this
    test (42 s against 31 s for one project). The playbooks still resolve them."""
    names = sorted(outputs) if os.environ.get("SIGEN_LINT_ALL") == "1" else ["onprem-physical"]
    failures = []
    for name in names:
        run = subprocess.run(
            [tool("ansible-lint"), "--profile", "production", "--offline", "--nocolor",
             "--exclude", "roles"],
            cwd=outputs[name], env=_env(tool_env), capture_output=True, text=True,
            check=False, timeout=900)
        if run.returncode != 0:
            failures.append(f"--- {name}\n{(run.stdout + run.stderr)[-4000:]}")
    assert not failures, "\n".join(failures)


def test_preflight_names_each_missing_secret_and_where_it_goes(tmp_path: Path,
                                                               tool_env: dict[str, str]) -> None:
    """The real ansible-playbook runs the generated preflight against the production
    inventory (locally): each secret not given is named with the file to put it in; with
    all of them given it passes."""
    out = tmp_path / "eshop"
    build(REPO / "blueprints" / "onprem-physical.yml", out, REPO / "roles")
    env = {**tool_env, "ANSIBLE_CONFIG": str(out / "ansible.cfg")}
    base = [tool("ansible-playbook"), "-i", "inventories/production", "playbooks/preflight.yml",
            "-e", "ansible_connection=local", "-e", "vault_eshop_db_password=x"]
    run = subprocess.run(base, cwd=out, env=env, capture_output=True, text=True, check=False)
    assert run.returncode != 0
    for name in ("vault_eshop_redis_password", "vault_database_replication_password",
                 "vault_eshop_backup_password"):
        assert f"{name} is not set" in run.stdout, run.stdout
    assert "vault_eshop_db_password is not set" not in run.stdout
    assert "add it to " + str(out) + "/inventories/production/group_vars/all/vault.yml" \
        in run.stdout
    given = [*base, "-e", "vault_eshop_redis_password=x",
             "-e", "vault_database_replication_password=x", "-e", "vault_eshop_backup_password=x"]
    run = subprocess.run(given, cwd=out, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout


def test_user_text_stays_text_and_a_vault_file_goes_beside(tmp_path: Path,
                                                           tool_env: dict[str, str]) -> None:
    """The real Ansible reads the JSON inventory: a label that is a Jinja expression comes out
    as its text (written {"__ansible_unsafe": ...}) and is never run, while sigen's own
    values and a vault file the operator adds to group_vars/all/ are both read."""
    evaluated = tmp_path / "evaluated"
    expression = "{{ lookup('pipe', 'touch " + str(evaluated) + "') }}"
    blueprint = tmp_path / "hostile.yml"
    blueprint.write_text((REPO / "tests" / "cases" / "hostile-text" / "blueprint.yml").read_text()
                         .replace('"{{ 7 * 7 }}"', json.dumps(expression), 1))
    out = tmp_path / "out"
    build(blueprint, out, REPO / "roles")
    host_file = (out / "inventories" / "production" / "host_vars" / "lb01.json").read_text()
    assert json.dumps({"__ansible_unsafe": expression}) in host_file
    vault = out / "inventories" / "production" / "group_vars" / "all" / "vault.yml"
    vault.write_text("vault_given: from the operator\n")
    (tmp_path / "show.yml").write_text(
        "- hosts: lb01\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n"
        '        msg: "TIER=[{{ sigen_labels.tier }}] USER=[{{ ansible_user }}] '
        'VAULT=[{{ vault_given }}]"\n')
    env = {**_env(tool_env), "ANSIBLE_CONFIG": str(out / "ansible.cfg")}
    run = subprocess.run([tool("ansible-playbook"), str(tmp_path / "show.yml"),
                          "-e", "ansible_connection=local"], cwd=out, env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"TIER=[{expression}] USER=[ansible] VAULT=[from the operator]" in run.stdout, \
        run.stdout
    listed = subprocess.run([tool("ansible-inventory"), "--list"], cwd=out, env=env,
                            capture_output=True, text=True, check=True)
    tier = json.loads(listed.stdout)["_meta"]["hostvars"]["lb01"]["sigen_labels"]["tier"]
    assert tier == {"__ansible_unsafe": expression}
    assert not evaluated.exists(), "the label was run as a template"
