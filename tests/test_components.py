"""The shared components (O1.3.2, O2.1.2): every role carries a valid decision record, the
documents and the role READMEs say what roles/ and molecule/ say, and a README that fell
behind its role is caught."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from cerberus import Validator  # type: ignore[import-untyped]

from sigen.build import render_blueprint, role_docs, role_readmes
from sigen.cli import main
from sigen.compile.components import role_infos, scenarios
from sigen.plan import Plan
from tests.conftest import REPO, ROLES

SCHEMA = REPO / "sigen" / "data" / "role-meta.schema.yml"
ROLE_NAMES = sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "main.yml").is_file())
# The licences of the Debian copyright files (DEP-5 short names) and their SPDX identifiers.
DEP5_TO_SPDX = {
    "GPL-2": "GPL-2.0-only", "GPL-2+": "GPL-2.0-or-later", "LGPL-2.1+": "LGPL-2.1-or-later",
    "BSD-2-clause": "BSD-2-Clause", "BSD-3-clause": "BSD-3-Clause", "Apache-2.0": "Apache-2.0",
    "PostgreSQL": "PostgreSQL", "OpenSSH": "SSH-OpenSSH", "ISC": "ISC", "Expat": "MIT",
}


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_role_carries_a_valid_decision_record(role: str) -> None:
    schema = yaml.safe_load(SCHEMA.read_text("utf-8"))
    record = yaml.safe_load((ROLES / role / "meta" / "sigen.yml").read_text("utf-8"))
    validator = Validator(schema)
    assert validator.validate(record), validator.errors
    assert record["components"], f"{role}: which upstream software does it install?"
    for component in record["components"]:
        # The SPDX identifier is the Debian copyright file's licence of Files: *.
        first = component["debian_licence"].split(" ")[0]
        assert component["licence"].split(" ")[0] == DEP5_TO_SPDX[first], component["name"]
        assert component["package"] in component["licence_checked"] or \
            "links to" in component["licence_checked"], component["name"]


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {p.stem: render_blueprint(p, ROLES).plan
            for p in sorted((REPO / "blueprints").glob("*.yml"))}


def test_the_plan_describes_the_roles_the_project_copies(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        assert [r.name for r in plan.components] == list(plan.roles)
        for role in plan.components:
            assert role.recorded and role.function["en"] and role.function["zh-TW"]
            spec = yaml.safe_load((ROLES / role.name / "meta" / "argument_specs.yml").read_text())
            main = next(e for e in role.entry_points if e.name == "main")
            top = [o.name for o in main.options if "." not in o.name]
            assert top == list(spec["argument_specs"]["main"].get("options") or {})
            for option in main.options:
                if "." not in option.name and "default" in spec["argument_specs"]["main"][
                        "options"][option.name]:
                    assert option.default, option.name


def _tasks(items: Any) -> list[dict[str, Any]]:
    out = []
    for task in items or ():
        out.append(task)
        for key in ("tasks", "block", "rescue", "always"):
            out += _tasks(task.get(key))
    return out


def test_scenarios_are_read_from_the_playbooks() -> None:
    """The checks of a scenario are the assert tasks of its verify.yml, by name."""
    found = {s.name: s for s in scenarios(REPO / "molecule")}
    assert set(found) >= set(ROLE_NAMES) - {"backup"}
    postgresql = found["postgresql"]
    verify = yaml.safe_load((REPO / "molecule" / "postgresql" / "verify.yml").read_text())
    asserts = [t["name"] for t in _tasks(verify)
               if "ansible.builtin.assert" in t or "ansible.builtin.fail" in t]
    assert list(postgresql.checks) == asserts and len(asserts) >= 5
    assert postgresql.instances == ("db01", "db02") and postgresql.roles == ("postgresql",)
    # Included task files count: the firewall checks live in tasks/checks.yml.
    included = yaml.safe_load((REPO / "molecule" / "firewall" / "tasks" / "checks.yml").read_text())
    assert {t["name"].replace("{{ verify_round }}", "as converged") for t in _tasks(included)
            if "ansible.builtin.assert" in t} <= set(found["firewall"].checks)
    # A scenario that applies two roles tests both.
    assert {"backup_client", "backup_server"} <= set(found["backup"].roles)


@pytest.mark.parametrize("language", ["en", "zh-TW"])
def test_the_component_documents_say_what_roles_say(language: str) -> None:
    rendered = render_blueprint(REPO / "blueprints" / "hybrid-cloud.yml", ROLES)
    listing = rendered.files[f"docs/{language}/component-list.md"].decode()
    evaluation = rendered.files[f"docs/{language}/component-evaluation.md"].decode()
    for role in rendered.plan.components:
        assert role.function[language] in listing
        for scenario in role.scenarios:
            for check in scenario.checks:
                assert check.replace("|", "\\|") in listing, (role.name, check)
        for component in role.components:
            assert f"`{component.licence}`" in evaluation
            assert component.why[language] in evaluation
            for support in component.support:
                assert support.until in evaluation
            for alternative in component.alternatives:
                assert alternative.why_not[language] in evaluation


def test_the_role_readmes_are_current() -> None:
    """`sigen role-docs` writes them; run it after changing a role's metadata, argument specs
    or molecule scenarios."""
    assert role_docs(ROLES, write=False) == []
    assert set(role_readmes(ROLES)) == {f"{r}/README.md" for r in ROLE_NAMES}


def test_a_readme_behind_its_role_is_caught_and_rewritten(tmp_path: Path) -> None:
    library = tmp_path / "roles"
    shutil.copytree(ROLES / "redis", library / "redis")
    shutil.copytree(REPO / "molecule" / "redis", tmp_path / "molecule" / "redis")
    assert role_docs(library, write=False) == []
    specs = library / "redis" / "meta" / "argument_specs.yml"
    specs.write_text(specs.read_text().replace("default: 6379", "default: 6380"))
    stale = role_docs(library, write=False)
    assert [d.code for d in stale] == ["SG904"]
    assert role_docs(library, write=True) == []
    assert "`6380`" in (library / "redis" / "README.md").read_text()
    assert role_docs(library, write=False) == []
    (library / "redis" / "README.md").unlink()
    assert [d.code for d in role_docs(library, write=False)] == ["SG905"]


def test_sigen_check_fails_while_a_roles_readme_is_behind(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "roles"
    shutil.copytree(ROLES, library)
    shutil.copytree(REPO / "molecule", tmp_path / "molecule")
    blueprint, out = REPO / "blueprints" / "onprem-physical.yml", tmp_path / "out"
    assert main(["build", str(blueprint), "--out", str(out), "--roles", str(library)]) == 0
    check = ["check", str(blueprint), "--out", str(out), "--roles", str(library)]
    assert main(check) == 0
    capsys.readouterr()
    specs = library / "redis" / "meta" / "argument_specs.yml"
    specs.write_text(specs.read_text().replace("default: 6379", "default: 6380"))
    # The project is rebuilt with the changed role: only the role's README is behind.
    assert main(["build", str(blueprint), "--out", str(out), "--roles", str(library)]) == 0
    capsys.readouterr()
    assert main(check) == 1
    said = capsys.readouterr().out.splitlines()
    assert said == [f"{library}/redis/README.md:1:1: SG904 redis/README.md is out of date "
                    "with the role's metadata, argument specs or molecule scenarios: run "
                    "sigen role-docs"], said


def test_a_role_without_a_record_is_said_so(tmp_path: Path) -> None:
    library = tmp_path / "roles"
    shutil.copytree(ROLES / "redis", library / "redis")
    (library / "redis" / "meta" / "sigen.yml").unlink()
    (info,) = role_infos(library, ["redis"])
    assert not info.recorded and info.components == () and info.scenarios == ()


def test_a_scenarios_checks_read_with_the_values_their_include_gives() -> None:
    """A check named after a variable of its include (``({{ verify_round }})``) reads with
    the value the include passes, in the document and the README: never as Jinja."""
    firewall = next(s for s in scenarios(REPO / "molecule") if s.name == "firewall")
    assert "Check the rules in the kernel (as converged)" in firewall.checks
    assert "Check the rules in the kernel (after systemctl restart nftables)" in firewall.checks
    for role in sorted(p.name for p in ROLES.iterdir() if (p / "README.md").is_file()):
        assert "{{ verify_round }}" not in (ROLES / role / "README.md").read_text("utf-8"), role


def _all_tasks(items: Any) -> Any:
    for task in items if isinstance(items, list) else ():
        if isinstance(task, dict):
            yield task
            for key in ("block", "rescue", "always"):
                yield from _all_tasks(task.get(key))


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_file_the_tasks_write_is_in_the_metadata(role: str) -> None:
    """The software build document lists the configuration files a role writes from its
    metadata (``manages.files``); every file its tasks write to a fixed path is there."""
    meta = yaml.safe_load((ROLES / role / "meta" / "sigen.yml").read_text("utf-8"))
    listed = {f["path"] for f in (meta.get("manages") or {}).get("files") or ()}
    written = set()
    for path in (ROLES / role / "tasks").glob("*.yml"):
        for task in _all_tasks(yaml.safe_load(path.read_text("utf-8"))):
            for module in ("template", "copy", "lineinfile", "blockinfile"):
                args = task.get(f"ansible.builtin.{module}")
                dest = (args.get("dest") or args.get("path")) if isinstance(args, dict) else None
                if isinstance(dest, str) and "{{" not in dest:
                    written.add(dest)
    assert written <= listed, sorted(written - listed)
