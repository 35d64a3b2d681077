"""The rolling patch: the batches of the plan are the plays of patch.yml, each host's places
in the load balancers are where haproxy is wired to send to it, the installation plan's
section 8.1 lists exactly those batches, the hosts patch themselves only when the patches
do not roll, and a failure in one batch stops the run before the next (a real
ansible-playbook run)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigen.build import render_blueprint
from sigen.compile.wiring.base import ALL_UPDATES
from sigen.plan.patching import PatchBatch
from sigen.render.patching import patch_play
from sigen.render.yamlout import dump
from tests.conftest import REPO, ROLES, tool

BLUEPRINTS = sorted((REPO / "blueprints").glob("*.yml"))


@pytest.fixture(scope="module", params=BLUEPRINTS, ids=lambda p: p.stem)
def rendered(request: pytest.FixtureRequest) -> Any:
    return render_blueprint(request.param, ROLES)


def _yaml(files: dict[str, bytes], path: str) -> Any:
    return yaml.safe_load(files[path])


def test_the_batches_are_the_plays_of_patch_yml(rendered: Any) -> None:
    plan, files = rendered.plan, rendered.files
    assert plan.patch_batches, "every example has a patch window"
    entries = _yaml(files, "patch.yml")
    imported = [e["ansible.builtin.import_playbook"] for e in entries[1:]]
    assert imported == [f"playbooks/{b.id.lower()}.yml" for b in plan.patch_batches]
    every = [h.host.name for b in plan.patch_batches for h in b.hosts]
    assert sorted(every) == sorted(h.name for h in plan.blueprint.hosts)  # each host once
    for batch in plan.patch_batches:
        (play,) = _yaml(files, f"playbooks/{batch.id.lower()}.yml")
        assert play["hosts"].split(":") == [h.host.name for h in batch.hosts]
        assert play["tags"] == [batch.id]
        assert play["any_errors_fatal"] is True and play["max_fail_percentage"] == 0
        patch = next(t for t in play["tasks"] if t["ansible.builtin.include_role"]
                     ["tasks_from"] == "patch")
        assert patch["vars"]["hardening_patch_updates"] == plan.patching.updates
        assert patch["vars"]["hardening_patch_reboot"] == plan.patching.reboot
        checks = play["vars"]["sigen_patch_checks"]
        for host in batch.hosts:
            assert checks[host.host.name] == {"units": list(host.units),
                                              "ports": list(host.ports)}


def test_a_hosts_places_are_where_haproxy_sends_to_it(rendered: Any) -> None:
    """The places a play drains are the servers of the pools the load balancers' haproxy
    is wired with: the same plan fact, both ways round."""
    plan, files = rendered.plan, rendered.files
    wired = set()
    for service in plan.blueprint.services:
        if service.component == "haproxy":
            for pool in plan.ansible.service_vars[service.name]["haproxy_services"]:
                wired |= {(lb.name, pool["name"], s["name"]) for lb in service.hosts
                          for s in pool["servers"]}
    drained = set()
    for batch in plan.patch_batches:
        (play,) = _yaml(files, f"playbooks/{batch.id.lower()}.yml")
        places = play["vars"].get("sigen_patch_places", {})
        for host in batch.hosts:
            given = [(p["balancer"], p["pool"], p["server"]) for p in
                     places.get(host.host.name, [])]
            assert given == [(d.balancer.name, d.pool, d.server) for d in host.drains]
            drained |= set(given)
    assert drained == wired


def test_no_two_hosts_of_a_batch_stand_in_for_each_other(rendered: Any) -> None:
    """A batch shares no service and holds no primary with its standby; the load balancers
    come after the hosts behind them; a hypervisor is alone in its batch, after its
    guests."""
    plan = rendered.plan
    position = {h.host.name: i for i, b in enumerate(plan.patch_batches) for h in b.hosts}
    for batch in plan.patch_batches:
        names = [h.host.name for h in batch.hosts]
        for service in plan.blueprint.services:
            assert len([h for h in service.hosts if h.name in names]) <= 1, service.name
            if service.settings.get("replication_role") == "standby":
                for primary in service.depends_on:
                    both = {h.name for h in [*service.hosts, *primary.hosts]}
                    assert len(both & set(names)) <= 1
        if any(h.host.hypervisor is not None for h in batch.hosts):
            assert len(batch.hosts) == 1
            (hv,) = batch.hosts
            assert all(position[g.name] < position[hv.host.name] for g in hv.guests)
    for host in (h for b in plan.patch_batches for h in b.hosts if not h.guests):
        for drain in host.drains:
            assert position[drain.balancer.name] > position[host.host.name]


def test_section_8_1_lists_the_batches(rendered: Any) -> None:
    plan, files = rendered.plan, rendered.files
    for lang, section in (("en", "### 8.1 Patching (patch.yml)"), ("zh-TW", "### 8.1 修補作業")):
        doc = files[f"docs/{lang}/installation-plan.md"].decode()
        text = doc[doc.index(section):]
        text = text[:text.index("\n## ")]
        rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| PAT-")]
        assert [(r[0].lstrip("| "), r[1].split("\uff08")[0].split(" (")[0]) for r in rows] == \
            [(b.id, h.host.name) for b in plan.patch_batches for h in b.hosts], lang
        for row, host in zip(rows, (h for b in plan.patch_batches for h in b.hosts),
                             strict=True):
            for drain in host.drains:
                assert drain.balancer.name in row[2] and f"`{drain.pool}`" in row[2]
            assert [s.name for s in host.interrupted] == \
                ([] if row[4] == "—" else row[4].replace("、", ", ").split(", "))
        only = "The hosts are patched by `patch.yml` only" if lang == "en" else \
            "主機僅由 `patch.yml` 修補"
        assert (only in text) is plan.patching.rolling, lang


def test_the_hosts_patch_themselves_only_when_the_patches_do_not_roll(rendered: Any) -> None:
    plan = rendered.plan
    window = plan.patching
    given = plan.ansible.inventory_vars["production"]
    assert given.get("hardening_unattended_upgrades", True) is (not window.rolling)
    assert given["hardening_auto_reboot"] is (window.reboot == "when-required"
                                              and not window.rolling)
    if window.updates == "all":
        assert given["hardening_unattended_origins_patterns"] == list(ALL_UPDATES)
    else:
        assert "hardening_unattended_origins_patterns" not in given  # the role's: security
    controller = rendered.files["awx/controller.yml"].decode()
    assert ("awx.awx.schedule" in controller) is window.rolling


def test_the_onprem_example_rolls() -> None:
    plan = render_blueprint(REPO / "blueprints" / "onprem-physical.yml", ROLES).plan
    assert plan.patching is not None and plan.patching.rolling
    assert [[h.host.name for h in b.hosts] for b in plan.patch_batches] == [
        ["web02", "db02"], ["web01", "db01", "mon01", "bk01"], ["lb01"]]


_FAILING_ROLE = """\
- name: Mark the host as started
  ansible.builtin.file:
    path: "{{ lookup('env', 'PATCHED') }}/started-{{ inventory_hostname }}"
    state: touch
    mode: "0644"
- name: Fail on the host that cannot be patched
  ansible.builtin.fail:
    msg: the update failed
  when: inventory_hostname == "web02"
- name: Mark the host patched
  ansible.builtin.file:
    path: "{{ lookup('env', 'PATCHED') }}/{{ inventory_hostname }}"
    state: touch
    mode: "0644"
"""


def test_a_failure_stops_the_run_before_the_next_batch(
        tmp_path: Path, tool_env: dict[str, str]) -> None:
    """The first two batches of patch.yml as sigen writes them, with a hardening role whose
    patch fails on web02 of the first: db02 of that batch goes no further, and the second
    batch does not start."""
    plan = render_blueprint(REPO / "blueprints" / "onprem-physical.yml", ROLES).plan
    batches: list[PatchBatch] = list(plan.patch_batches[:2])  # web02 is in the first
    assert "web02" in [h.host.name for h in batches[0].hosts]
    plays = [patch_play(b, plan.patching) for b in batches]
    for play in plays:  # no load balancer on this machine: the patch task alone
        play["tasks"] = [t for t in play["tasks"]
                         if t["ansible.builtin.include_role"]["name"] == "hardening"]
    (tmp_path / "patch.yml").write_text(dump(plays, ""))
    role = tmp_path / "roles" / "hardening" / "tasks"
    role.mkdir(parents=True)
    (role / "patch.yml").write_text(_FAILING_ROLE)
    hosts = [h.host.name for b in batches for h in b.hosts]
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {
        name: {"ansible_connection": "local",
               "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
        for name in hosts}}}))
    patched = tmp_path / "patched"
    patched.mkdir()
    env = {**tool_env, "PATCHED": str(patched),
           "ANSIBLE_ROLES_PATH": str(tmp_path / "roles")}
    run = subprocess.run([tool("ansible-playbook"), "-i", "hosts.yml", "patch.yml"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert run.returncode != 0, run.stdout
    assert "web02" in run.stdout and "the update failed" in run.stdout
    # The first batch started on both hosts (so modules run here); none went past web02's
    # failure, and the second batch never started.
    names = [h.host.name for h in batches[0].hosts]
    assert sorted(p.name for p in patched.iterdir()) == sorted(f"started-{n}" for n in names), (
        run.stdout[-3000:])
    assert f"PLAY [{batches[1].id}" not in run.stdout, run.stdout[-3000:]
