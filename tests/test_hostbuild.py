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
        return role["vars"][name]
    return data[name]


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
