"""The software build document (O3.1.2) says what the generated project does: each host's
steps are the plays Ansible runs on it, each variable's value is the one in the file the
document names, the components are those its roles install with the options in force, and
the document exists in both languages with every build and host."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigen.build import Options, plan_for, render_loaded
from sigen.compile.loader import load_blueprint
from sigen.plan import Plan
from tests.conftest import REPO, ROLES, tool

BLUEPRINTS = {p.stem: p for p in sorted((REPO / "blueprints").glob("*.yml"))}
# A user's text that looks like a template is shown, and compared, as the text it is.
BLUEPRINTS["hostile-text"] = REPO / "tests" / "cases" / "hostile-text" / "blueprint.yml"


class _Loader(yaml.SafeLoader):
    """Reads the project's YAML: a user string tagged !unsafe is that string."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {name: plan_for(load_blueprint(path), ROLES) for name, path in BLUEPRINTS.items()}


@pytest.fixture(scope="module")
def files() -> dict[str, dict[str, bytes]]:
    return {name: render_loaded(load_blueprint(path), ROLES, date="2026-12-06",
                                options=Options(languages=("en", "zh-TW"))).files
            for name, path in BLUEPRINTS.items()}


def _plays_by_host(out: Path, tool_env: dict[str, str]) -> dict[str, list[str]]:
    """The install steps Ansible itself runs on each host: ``site.yml --list-hosts``."""
    env = {k: v for k, v in tool_env.items() if k != "ANSIBLE_ROLES_PATH"}
    run = subprocess.run([tool("ansible-playbook"), "site.yml", "--list-hosts"], cwd=out,
                         env=env, capture_output=True, text=True, check=True)
    found: dict[str, list[str]] = {}
    for block in run.stdout.split("\n\n"):
        play = re.search(r"play #\d+ \([^)]*\): (INS-\d+) ", block)
        if play:
            for host in re.findall(r"^      (\S+)$", block, re.M):
                found.setdefault(host, []).append(play.group(1))
    return found


def test_each_host_is_rebuilt_by_the_plays_ansible_runs_on_it(
        plans: dict[str, Plan], tool_env: dict[str, str]) -> None:
    plan = plans["onprem-physical"]
    ran = _plays_by_host(REPO / "examples" / "onprem-physical", tool_env)
    doc = (REPO / "examples" / "onprem-physical" / "docs" / "en" /
           "software-build.md").read_text("utf-8")
    for build in plan.builds.builds:
        for part in build.hosts:
            assert [s.id for s in build.steps] == ran[part.host.name], part.host.name
        first = build.hosts[0].host.name
        assert f"--limit {first} --tags {build.tags}`" in doc
    assert sorted(p.host.name for b in plan.builds.builds for p in b.hosts) == \
        sorted(h.name for h in plan.blueprint.hosts)


def _value(files: dict[str, bytes], path: str, name: str, step: str) -> Any:
    data = yaml.load(files[path], Loader=_Loader)  # the safe loader, with !unsafe
    if path.startswith("playbooks/"):
        [play] = data
        assert play["name"].startswith(step)
        [role] = play["roles"]
        return _plain(role["vars"][name])
    return _plain(data[name])


def _plain(value: Any) -> Any:
    """A JSON inventory's value with user text as the text (``{"__ansible_unsafe": ...}``
    is the JSON form of !unsafe)."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _shown(value: str) -> Any:
    """A value as the document shows it: JSON, or a template of sigen's as its text."""
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


@pytest.mark.parametrize("case", sorted(BLUEPRINTS))
def test_every_value_is_the_one_in_the_file_it_names(
        plans: dict[str, Plan], files: dict[str, dict[str, bytes]], case: str) -> None:
    plan, made = plans[case], files[case]
    seen = 0
    for build in plan.builds.builds:
        for role in (*plan.builds.every_host_roles, *build.roles):
            for x in role.settings:
                step = x.file.removeprefix("playbooks/").removesuffix(".yml").upper()
                found = _value(made, x.file, x.name, step)
                assert _shown(x.value) == found, (x.name, x.file)
                if x.secret:
                    assert re.fullmatch(r"\{\{ vault_\w+ \}\}", x.value), x.value
                seen += 1
        for part in build.hosts:
            for x in part.settings:
                assert _shown(x.value) == _value(made, x.file, x.name, ""), x.name
                seen += 1
    assert seen > 20


def test_components_follow_the_options_in_force(plans: dict[str, Plan]) -> None:
    """The node exporter on every host, Prometheus only where the monitoring service runs,
    as the role's package list has it."""
    plan = plans["onprem-physical"]
    server = {h.name for s in plan.blueprint.services if s.component == "monitoring"
              for h in s.hosts}
    [agent] = [r for r in plan.builds.every_host_roles if r.role == "monitoring"]
    assert [c.package for c in agent.components] == ["prometheus-node-exporter"]
    for build in plan.builds.builds:
        names = {p.host.name for p in build.hosts}
        packages = {c.package for r in build.roles if r.role == "monitoring"
                    for c in r.components}
        assert ("prometheus" in packages) == bool(names & server), names


@pytest.mark.parametrize("case", sorted(BLUEPRINTS))
def test_each_flow_a_host_admits_is_in_one_row(plans: dict[str, Plan], case: str) -> None:
    plan = plans[case]
    for build in plan.builds.builds:
        for part in build.hosts:
            flows = plan.flows.get(part.host.name, ())
            rows = {(f.port, f.protocol, f.kind, f.service,
                     f.source_host.name if f.source_host else f.source) for f in flows}
            shown = {(a.port, a.protocol, a.kind, a.service, source)
                     for a in part.flows for source in a.sources}
            assert shown == rows, part.host.name
            assert sum(len(a.sources) for a in part.flows) == len(rows)


@pytest.mark.parametrize("role", sorted(p.name for p in ROLES.iterdir() if p.is_dir()))
def test_a_component_s_option_is_the_one_its_role_installs_it_by(role: str) -> None:
    """Every package a role installs only when an option is on ("['pkg'] if option") is
    a component of its metadata with that option as ``when``, and no ``when`` is invented."""
    variables = (ROLES / role / "vars" / "main.yml").read_text("utf-8")
    in_role = dict(re.findall(r"\['([a-z0-9.+-]+)'\] if ([a-z_][a-z0-9_]*) else \[\]",
                              variables))
    meta = yaml.safe_load((ROLES / role / "meta" / "sigen.yml").read_text("utf-8"))
    recorded = {c["package"]: c["when"] for c in meta["components"] if c.get("when")}
    assert recorded == {p: v for p, v in in_role.items()
                        if p in {c["package"] for c in meta["components"]}}


def test_the_document_in_both_languages_names_every_build_and_host(
        plans: dict[str, Plan], files: dict[str, dict[str, bytes]]) -> None:
    for case, plan in plans.items():
        for language, heading in (("en", "Build"), ("zh-TW", "建置")):
            doc = files[case][f"docs/{language}/software-build.md"].decode()
            for n, build in enumerate(plan.builds.builds, start=1):
                assert f"## {n + 3}. {heading} {n}" in doc
                for part in build.hosts:
                    assert f"**{part.host.name}**" in doc
            assert "O3.1.2" in doc


def _table_rows(doc: str, heading: str) -> list[list[str]]:
    """The rows of every table whose heading row starts ``heading``, without the heading."""
    rows, inside = [], False
    for line in doc.splitlines():
        if line.startswith(heading):
            inside = True
            continue
        if inside and line.startswith("|"):
            if not set(line) <= {"|", "-"}:
                rows.append([c.strip() for c in line.strip("|").split("|")])
        else:
            inside = False
    return rows


@pytest.mark.parametrize("lang,heading", [("en", "| Role | Configuration file |"),
                                          ("zh-TW", "| 角色 | 設定檔案 |")])
def test_every_file_a_role_manages_is_listed_with_its_names_filled(
        plans: dict[str, Plan], files: dict[str, dict[str, bytes]], lang: str,
        heading: str) -> None:
    """Each configuration file the role metadata names is listed for the builds whose roles
    write it, its placeholders filled from the values the project gives the role."""
    for name, plan in plans.items():
        doc = files[name][f"docs/{lang}/software-build.md"].decode()
        listed = {(r[0], r[1].strip("`")) for r in _table_rows(doc, heading)}
        sb = plan.builds
        for role in (*sb.every_host_roles, *(r for b in sb.builds for r in b.roles)):
            for item in role.managed:
                assert "{" not in item.name, (name, role.role, item.name)
                if item.kind == "file":
                    assert (role.role, item.name) in listed, (name, lang, role.role, item.name)
        # The administrators' keys: one file per administrator the blueprint names.
        for admin in plan.blueprint.security.admins:
            assert ("common", f"/home/{admin.name}/.ssh/authorized_keys") in listed, name


def test_a_managed_name_takes_the_roles_values() -> None:
    from sigen.compile.hostbuild import _named
    from sigen.plan.components import Managed

    item = Managed("file", "/etc/{role_dir}/{role_sites[].name}.conf", {"en": "", "zh-TW": ""})
    values = {"role_dir": "web", "role_sites": [{"name": "a"}, {"name": "b"}, {"x": 1}]}
    assert [m.name for m in _named(item, values)] == ["/etc/web/a.conf", "/etc/web/b.conf"]
    # A value the build does not know, or one that is not a plain value, is named as such.
    assert [m.name for m in _named(item, {"role_dir": ["not", "plain"]})] == [
        "/etc/<role_dir>/<role_sites>.conf"]
    assert _named(Managed("log", "journal: x.service", {}), {})[0].name == "journal: x.service"


def test_a_role_option_switches_its_managed_items(plans: dict[str, Plan]) -> None:
    """An item with ``when`` is listed only where the role's option is on."""
    for plan in plans.values():
        infos = {r.name: r for r in plan.components}
        sb = plan.builds
        for role in (*sb.every_host_roles, *(r for b in sb.builds for r in b.roles)):
            conditional = [m for m in infos[role.role].manages if m.when]
            on = {m.when for m in role.managed if m.when}
            for m in conditional:
                value = next((json.loads(x.value) for x in role.settings if x.name == m.when),
                             None)
                if value is False:
                    assert m.when not in on, (role.role, m.name)


def test_versions_come_from_the_last_inventory_run() -> None:
    from sigen.plan import Evidence

    loaded = load_blueprint(BLUEPRINTS["onprem-physical"])
    plan = plan_for(loaded, ROLES)
    os = {"distribution": "Debian", "version": "12.8", "major": "12", "release": "bookworm",
          "kernel": "6.1.0-28-amd64", "architecture": "x86_64"}
    hosts = {h.host: {"answered": True, "os": os, "vcpus": 4, "cores": 4, "memory_mb": 8192,
                      "disks": {}, "addresses": list(h.addresses), "services": [],
                      "listening": [],
                      "packages": {p.package: ["9.9-test"] for p in h.packages}}
             for h in plan.inventory.hosts}
    record = {"format": 1, "system": "eshop", "blueprint": loaded.sha256,
              "environment": plan.inventory.env, "started": "2026-12-01T02:00:00Z",
              "name": "production-20261201T020000Z", "hosts": hosts, "drift": [],
              "seconds": 42.0, "ansible_exit": 0}
    files = render_loaded(loaded, ROLES, evidence=Evidence(inventory_runs=(record,))).files
    for lang, column in (("en", "| Version expected | Installed (2026-12-01) |"),
                         ("zh-TW", "| 預期版本 | 已安裝（2026-12-01） |")):  # noqa: RUF001
        doc = files[f"docs/{lang}/software-build.md"].decode()
        assert column in doc, lang
        assert "| `nginx` | 1.22.1 | 9.9-test |" in doc, lang
    before = render_loaded(loaded, ROLES).files["docs/en/software-build.md"].decode()
    assert "none has been recorded yet in production" in before
    assert "Installed (" not in before
