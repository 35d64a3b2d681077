"""Table tests of the back end's small parts: YAML scalars, schedules, install order, flows,
and the wiring contract with the roles' argument_specs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigen.build import render_blueprint
from sigen.compile.loader import load_blueprint
from sigen.compile.model import build_model
from sigen.compile.planner import make_plan, on_calendar
from sigen.plan import Jinja
from sigen.render.markdown import md_escape
from sigen.render.yamlout import dump, scalar
from tests.conftest import ROLES
from tests.test_build_cases import BLUEPRINTS, read_yaml, roles_dir


@pytest.mark.parametrize(("value", "text"), [
    ("web01", "web01"),
    ("Install PostgreSQL", "Install PostgreSQL"),
    ("no", '"no"'), ("On", '"On"'), ("y", '"y"'), ("null", '"null"'), ("~", '"~"'),
    ("1:30", '"1:30"'), ("010", '"010"'), ("1e3", '"1e3"'), ("10.0.0.1", '"10.0.0.1"'),
    (".inf", '".inf"'), ("", '""'), ("a: b", '"a: b"'), ("- x", '"- x"'), ("#x", '"#x"'),
    ("{{ x }}", '!unsafe "{{ x }}"'), ("a {% if %}", '!unsafe "a {% if %}"'),
    ("{# c #}", '!unsafe "{# c #}"'), ("{x}", '"{x}"'),
    (Jinja("{{ vault_x }}"), '"{{ vault_x }}"'),
    ("line\nbreak", '"line\\nbreak"'), ("中文", '"中文"'),
    (True, "true"), (False, "false"), (None, "null"), (5, "5"), (1.5, "1.5"),
])
def test_scalar(value: Any, text: str) -> None:
    assert scalar(value) == text


def test_dump_reads_back_as_yaml_1_1() -> None:
    data = {"a": ["no", "yes", {"b": "{{ x }}", "c": []}], "d": {}, "e": [[1, 2]], "f": "off"}
    text = dump(data, "# stamp\n")
    assert text.startswith("# stamp\n---\n")
    assert read_yaml(text.encode()) == data
    assert yaml.safe_load(text.replace("!unsafe ", "")) == data  # PyYAML is YAML 1.1


@pytest.mark.parametrize(("every", "at", "expected"), [
    ("1d", "01:30", "*-*-* 01:30:00"),
    ("1d", "", "*-*-* 00:00:00"),
    ("1w", "02:00", "Mon *-*-* 02:00:00"),
    ("4h", "00:15", "*-*-* 00/4:15:00"),
    ("1h", "", "*-*-* 00/1:00:00"),
    ("15m", "", "*-*-* *:00/15:00"),
])
def test_on_calendar(every: str, at: str, expected: str) -> None:
    assert on_calendar(every, at) == expected
    assert on_calendar(every, at, "Asia/Taipei") == expected + " Asia/Taipei"


@pytest.mark.parametrize(("value", "text"), [
    ("plain words", "plain words"), ("a|b", "a\\|b"), ("<b>", "\\<b\\>"),
    ("two\nlines", "two lines"), ("*x*", "\\*x\\*"), (None, ""), (3, "3"),
])
def test_md_escape(value: Any, text: str) -> None:
    assert md_escape(value) == text


def _plan(name: str) -> Any:
    return make_plan(build_model(load_blueprint(BLUEPRINTS[name])))


def test_install_order_follows_dependencies_then_blueprint_order() -> None:
    plan = _plan("onprem-physical")
    order = [s.service.name for s in plan.install if s.service is not None]
    assert order == ["cache", "database", "web", "loadbalancer", "database-standby",
                     "monitoring", "backup-store"]
    position = {s.id: i for i, s in enumerate(plan.install)}
    for step in plan.install:
        assert all(position[d] < position[step.id] for d in step.depends_on)
    assert [s.id for s in plan.install] == [f"INS-{i:03d}" for i in range(1, 13)]


def test_flows_from_dependencies_clients_monitoring_and_backups() -> None:
    plan = _plan("onprem-physical")
    flows = {h: {(f.source, f.port) for f in fl} for h, fl in plan.flows.items()}
    assert ("10.20.30.21", 5432) in flows["db01"]  # web01 -> database on the data network
    assert ("10.20.30.32", 5432) in flows["db01"]  # standby -> primary
    assert ("0.0.0.0/0", 80) in flows["lb01"]  # allow_from: any
    assert ("10.20.90.0/24", 9090) in flows["mon01"]  # allow_from: mgmt
    assert ("10.20.80.31", 22) in flows["bk01"]  # db01 backs up over the backup network
    assert all(("10.20.90.41", 9100) in flows[h] for h in flows if h != "mon01")
    assert ("10.20.20.11", 80) in flows["web01"] and ("10.20.20.11", 6379) not in flows["web01"]


def _spec_options(role: str) -> set[str] | None:
    path = ROLES / role / "meta" / "argument_specs.yml"
    if not path.is_file():
        return None
    try:
        specs = yaml.safe_load(path.read_text())["argument_specs"]
    except yaml.YAMLError:
        return None  # being written right now: checked again once it parses
    return {o for entry in specs.values() for o in (entry.get("options") or {})}


def _role_vars(files: dict[str, bytes]) -> dict[str, set[str]]:
    """Every variable the output gives a role, by role prefix."""
    names: set[str] = set()
    for rel, content in files.items():
        if rel.startswith(("playbooks/", "inventories/")) and rel.endswith((".yml", ".json")):
            doc = read_yaml(content)
            stack: list[Any] = [doc]
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    for key, value in item.items():
                        if key == "vars" and isinstance(value, dict):
                            names |= set(value)
                        stack.append(value)
                elif isinstance(item, list):
                    stack.extend(item)
            if "/group_vars/" in rel or "/host_vars/" in rel:
                names |= set(doc)
    roles = [p.name for p in ROLES.iterdir() if p.is_dir()] + ["haproxy"]
    out: dict[str, set[str]] = {}
    for name in names:
        for role in sorted(roles, key=len, reverse=True):
            if name.startswith(role + "_"):
                out.setdefault(role, set()).add(name)
                break
    return out


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_wiring_uses_only_options_the_roles_declare(name: str, tmp_path: Path) -> None:
    roles, _ = roles_dir(tmp_path)
    files = render_blueprint(BLUEPRINTS[name], roles).files
    unknown = {}
    for role, used in _role_vars(files).items():
        declared = _spec_options(role)
        if declared is None:
            continue  # the role has not landed yet: checked again when it does
        if used - declared:
            unknown[role] = sorted(used - declared)
    assert not unknown, f"variables the roles do not declare: {unknown}"


def test_secret_references_become_lookups_not_text() -> None:
    files = render_blueprint(BLUEPRINTS["onprem-physical"], roles_dir(Path(
        __import__("tempfile").mkdtemp()))[0]).files
    text = files["playbooks/ins-004.yml"].decode()
    assert 'redis_password: "{{ vault_eshop_redis_password }}"' in text
    assert re.search(r"backup_client_repository_password: \"\{\{ vault_eshop_backup_password",
                     files["playbooks/ins-011.yml"].decode())


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_derived_options_are_what_the_wiring_supplies(name: str) -> None:
    """Validation excuses exactly these required options, so the wiring must really set them."""
    from sigen.compile.validate.derived import DERIVED_OPTIONS
    from sigen.compile.wiring import inventory_vars, service_vars

    plan = _plan(name)
    for service in plan.blueprint.services:
        derived = DERIVED_OPTIONS.get(service.component, frozenset())
        assert derived <= set(service_vars(plan, service)), service.name
    for env in plan.blueprint.environments:
        assert DERIVED_OPTIONS["firewall"] <= set(inventory_vars(plan, env))


def test_an_app_service_example_exercises_the_derived_options() -> None:
    components = {s.component for n in BLUEPRINTS for s in _plan(n).blueprint.services}
    assert "app_service" in components


def test_build_carries_records_over_untouched(tmp_path: Path) -> None:
    """records/ holds measured evidence (test runs, drills): data a rebuild must keep."""
    from sigen.sync.writer import write_tree

    out = tmp_path / "out"
    write_tree({"ansible.cfg": b"# Generated by sigen 0\n"}, out)
    (out / "records" / "verify").mkdir(parents=True)
    (out / "records" / "verify" / "run.json").write_text("{}")
    result = write_tree({"ansible.cfg": b"# Generated by sigen 1\n"}, out)
    assert (out / "records" / "verify" / "run.json").read_text() == "{}"
    assert result.deleted == () and result.changed == ("ansible.cfg",)
