"""The system inventory (O1.3.1): what each host should show comes from the plan's own facts,
drift is judged once (sigen.compile.inventory) on records as inventory.yml writes them, the
playbook gathers what the judgement reads, and the document says what the plan and the
record say."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigen.build import plan_for, render_loaded
from sigen.compile.inventory import describe, drift, listening, planned
from sigen.compile.loader import load_blueprint
from sigen.compile.ports import NODE_EXPORTER_PORT
from sigen.operate.inventory import host_facts
from sigen.plan import Plan
from sigen.plan.evidence import Evidence
from sigen.plan.inventory import PlannedHost
from tests.conftest import REPO, ROLES

EXAMPLE = REPO / "blueprints" / "onprem-physical.yml"
# What inventory.yml wrote on a real host (this repository's CI machine, a Debian 12
# container without systemd running): the shape every record is made from.
PLAY_OUTPUT = REPO / "tests" / "inventory" / "play-output.json"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return plan_for(load_blueprint(EXAMPLE), ROLES)


def _raw(want: PlannedHost, real: dict[str, Any]) -> dict[str, Any]:
    """The play's output for a host that is exactly as planned, in the shape of ``real``:
    the planned release, addresses, packages, running services, and listeners on the
    planned ports (plus chrony's on the loopback, as every Debian host has)."""
    lines = [f"tcp LISTEN 0 4096 0.0.0.0:{p.port} 0.0.0.0:*" for p in want.ports
             if p.protocol == "tcp"]
    lines += ["udp UNCONN 0 0 127.0.0.1:323 0.0.0.0:*", "udp UNCONN 0 0 [::1]:323 [::]:*"]
    return {**real,
            "os": {**real["os"], "distribution": want.distribution, "major": want.version},
            "vcpus": want.cpus * 2, "cores": want.cpus,
            "memory_mb": int(want.memory_gb * 1024 * 0.97),
            "addresses": [*want.addresses, "fe80::1"],
            "packages": {p.package: [f"{p.version}-1"] for p in want.packages},
            # As service_facts reports them: an instance of a template unit is in no line
            # of list-unit-files, so its status is the ACTIVE column of list-units.
            "services": [{"name": u.unit, "state": "running",
                          "status": "active" if "@" in u.unit else "enabled",
                          "source": "systemd"} for u in want.units],
            "listening": lines}


def _play_output(plan: Plan, env: str = "production", **changes: Any) -> dict[str, Any]:
    """What inventory.yml writes for hosts as planned, with ``changes`` by host."""
    real = json.loads(PLAY_OUTPUT.read_text())["localhost"]
    hosts = planned(plan, next(e for e in plan.blueprint.environments if e.name == env))
    raw = {h.host: _raw(h, real) for h in hosts}
    for host, change in changes.items():
        change(raw[host])
    return raw


def _record(plan: Plan, env: str = "production", **changes: Any) -> dict[str, Any]:
    raw = _play_output(plan, env, **changes)
    return {"format": 1, "environment": env, "started": "2026-12-07T08:00:00Z",
            "blueprint": plan.blueprint.sha256, "seconds": 12.5, "ansible_exit": 0,
            "hosts": {h: host_facts(f) for h, f in raw.items()}}


def test_the_real_play_output_is_what_the_record_reads() -> None:
    real = json.loads(PLAY_OUTPUT.read_text())["localhost"]
    facts = host_facts(real)
    assert set(real) >= {"os", "vcpus", "cores", "memory_mb", "disks", "addresses",
                         "packages", "services", "listening"}
    assert facts["answered"] is True
    assert not any(a.startswith("fe80:") for a in facts["addresses"])
    assert all(isinstance(v, list) for v in facts["packages"].values())
    assert {"protocol": "tcp", "address": "127.0.0.1", "port": 22106} in facts["listening"]


def test_listening_ports_are_read_from_ss() -> None:
    lines = ["tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*", "tcp LISTEN 0 128 [::]:22 [::]:*",
             "tcp LISTEN 0 4096 *:9100 *:*", "udp UNCONN 0 0 127.0.0.1%lo:53 0.0.0.0:*",
             "udp UNCONN 0 0 [::1]:323 [::]:*", "tcp LISTEN 0 5 0.0.0.0:22 0.0.0.0:*",
             "garbage"]
    assert listening(lines) == [
        {"protocol": "tcp", "address": "*", "port": 9100},
        {"protocol": "tcp", "address": "0.0.0.0", "port": 22},
        {"protocol": "tcp", "address": "::", "port": 22},
        {"protocol": "udp", "address": "127.0.0.1", "port": 53},
        {"protocol": "udp", "address": "::1", "port": 323},
    ]


def test_planned_facts_are_the_plans_own(plan: Plan) -> None:
    builds = {p.host.name: (b, p) for b in plan.builds.builds for p in b.hosts}
    for want in planned(plan, plan.default_env):
        build, part = builds[want.host]
        roles = (*plan.builds.every_host_roles, *build.roles)
        assert {p.package for p in want.packages} == {c.package for r in roles
                                                      for c in r.components}
        assert {u.unit for u in want.units} == {
            c.unit.replace("{app_service_name}", "?") for r in roles for c in r.components
            if c.unit}
        ports = {(p.port, p.protocol) for p in want.ports}
        assert {(f.port, f.protocol) for f in part.flows} <= ports
        assert {(p, "tcp") for s in part.host.services for p in s.ports} <= ports
        assert (plan.blueprint.security.ssh_port, "tcp") in ports
        assert (NODE_EXPORTER_PORT, "tcp") in ports
        assert want.addresses == tuple(i.address for i in part.host.interfaces)
        assert want.cpus == part.host.hardware.cpu_cores  # type: ignore[union-attr]


def test_the_lab_is_planned_with_its_own_addresses(plan: Plan) -> None:
    lab = next(e for e in plan.blueprint.environments if e.name == "lab")
    by_name = {h.hostname: h for h in plan.lab.hosts}
    for want in planned(plan, lab):
        assert want.addresses == tuple(a for _n, a in by_name[want.host].addresses)


def test_a_host_as_planned_shows_no_drift(plan: Plan) -> None:
    hosts = planned(plan, plan.default_env)
    assert drift(hosts, _record(plan), containers=False) == ()


def _stop(unit: str) -> Any:
    def change(raw: dict[str, Any]) -> None:
        for s in raw["services"]:
            if s["name"] == unit:
                s["state"] = "stopped"
    return change


def test_a_stopped_service_and_a_stray_port_are_drift(plan: Plan) -> None:
    def both(raw: dict[str, Any]) -> None:
        _stop("nginx.service")(raw)
        raw["listening"] += ["tcp LISTEN 0 5 0.0.0.0:8999 0.0.0.0:*",
                             "tcp LISTEN 0 5 127.0.0.1:8998 0.0.0.0:*"]
    found = drift(planned(plan, plan.default_env), _record(plan, web02=both), False)
    assert [(d.host, d.kind, d.subject, d.observed) for d in found] == [
        ("web02", "unit", "nginx.service", "stopped/enabled"),
        ("web02", "port", "8999/tcp", "0.0.0.0"),
    ]
    assert [describe(d) for d in found] == [
        "web02: blueprint: nginx.service enabled and running; host: stopped, enabled",
        "web02: blueprint: nothing listens on 8999/tcp; host: listening on 0.0.0.0",
    ]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: r["os"].update(major="11"), ("os", "", "Debian 12", "Debian 11")),
    (lambda r: r["addresses"].remove("10.20.30.31"),
     ("address", "10.20.30.31", "10.20.30.31", "")),
    (lambda r: r["packages"].pop("postgresql-15"), ("package", "postgresql-15", "15", "")),
    (lambda r: r["services"].pop(), ("unit", "postgresql@15-main.service",
                                     "enabled/running", "")),
    (lambda r: r["services"][-1].update(status="disabled"),
     ("unit", "postgresql@15-main.service", "enabled/running", "running/disabled")),
    (lambda r: r.update(cores=8), ("cpu", "cores", "32", "8")),
    (lambda r: r.update(memory_mb=128 * 1024), ("memory", "", "256 GB", "128.0 GB")),
    (lambda r: r.clear(), ("unanswered", "", "facts", "")),
])
def test_each_contradiction_is_drift(plan: Plan, change: Any,
                                     expected: tuple[str, str, str, str]) -> None:
    found = drift(planned(plan, plan.default_env), _record(plan, db01=change), False)
    assert [(d.host, d.kind, d.subject, d.expected, d.observed) for d in found] == [
        ("db01", *expected)]


def test_containers_see_the_machine_so_size_is_not_drift(plan: Plan) -> None:
    def small(raw: dict[str, Any]) -> None:
        raw.update(cores=2, vcpus=2, memory_mb=24105)
    hosts = planned(plan, plan.default_env)
    assert [d.kind for d in drift(hosts, _record(plan, db01=small), False)] == ["cpu",
                                                                                "memory"]
    assert drift(hosts, _record(plan, db01=small), containers=True) == ()


def test_inventory_yml_gathers_what_the_judgement_reads(plan: Plan) -> None:
    files = render_loaded(load_blueprint(EXAMPLE), ROLES).files
    preflight, play = yaml.safe_load(files["inventory.yml"])
    assert preflight == yaml.safe_load(files["verify.yml"])[0]  # the same preflight play
    assert play["hosts"] == "all" and play["gather_facts"] is False
    assert plan.inventory is not None
    assert play["vars"]["sigen_inventory_packages"] == list(plan.inventory.packages)
    modules = [next(k for k in t if k.startswith("ansible.builtin.")) for t in play["tasks"]]
    assert modules == ["ansible.builtin.setup", "ansible.builtin.package_facts",
                       "ansible.builtin.service_facts", "ansible.builtin.command",
                       "ansible.builtin.set_fact", "ansible.builtin.copy"]
    ss = play["tasks"][3]
    assert ss["ansible.builtin.command"]["argv"] == ["ss", "-Hltnu"]
    assert ss["changed_when"] is False
    collected = play["tasks"][4]["ansible.builtin.set_fact"]["sigen_inventory_facts"]
    for key in ("os", "vcpus", "cores", "memory_mb", "disks", "addresses", "packages",
                "services", "listening"):
        assert f"'{key}':" in collected
    assert play["tasks"][5]["ansible.builtin.copy"]["dest"] == "{{ sigen_inventory_output }}"


# The document -----------------------------------------------------------------------------


def _docs(plan: Plan, record: dict[str, Any] | None = None,
          blueprint: Path = EXAMPLE) -> dict[str, str]:
    runs = (record,) if record is not None else ()
    evidence = Evidence(inventory_runs=runs)
    files = render_loaded(load_blueprint(blueprint), ROLES, evidence=evidence).files
    return {lang: files[f"docs/{lang}/system-inventory.md"].decode()
            for lang in ("en", "zh-TW")}


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n### ", start + len(heading))
    end2 = text.find("\n## ", start + len(heading))
    ends = [e for e in (end, end2) if e != -1]
    return text[start:min(ends) if ends else len(text)]


def test_before_any_run_it_lists_the_plan_and_says_nothing_was_observed(plan: Plan) -> None:
    docs = _docs(plan)
    assert "No inventory has been taken yet in the production environment" in docs["en"]
    assert "production 環境尚未進行系統清查" in docs["zh-TW"]
    assert "Installed version" not in docs["en"] and "Observed" not in docs["en"]
    inv = plan.inventory
    assert inv is not None
    for n, want in enumerate(inv.hosts, 1):
        part = _section(docs["en"], f"### 3.{n} {want.host}\n")
        for p in want.packages:
            assert f"| {p.role} | {p.component} | `{p.package}` | {p.version} |" in part
        for u in want.units:
            assert f"| `{u.unit}` | {u.role} ({u.component}) |" in part
        rows = re.findall(r"^\| (\d+) \| (tcp|udp) \|", part, re.M)
        assert [(int(p), proto) for p, proto in rows] == [(p.port, p.protocol)
                                                          for p in want.ports]
        assert ", ".join(want.addresses) in part


def test_the_document_shows_the_latest_record_and_its_drift(plan: Plan) -> None:
    def both(raw: dict[str, Any]) -> None:
        _stop("nginx.service")(raw)
        raw["listening"] += ["tcp LISTEN 0 5 0.0.0.0:8999 0.0.0.0:*"]
    record = _record(plan, web02=both)
    record["drift"] = [{}, {}]  # as recorded at the run: the history counts them
    docs = _docs(plan, record)
    en, zh = docs["en"], docs["zh-TW"]
    assert "| 2026-12-07T08:00:00Z | production |" in en and "| 7 of 7 | 2 | 12.5 s |" in en
    web02 = _section(en, "### 3.3 web02\n")
    assert "| Operating system | Debian 12 (`debian-12`) | Debian 12.11 (bookworm), x86_64 |" \
        in web02
    assert "| nginx | nginx | `nginx` | 1.22.1 | 1.22.1-1 |" in web02
    assert "| 8999 | tcp | 0.0.0.0 | **nothing planned (drift)** |" in web02
    assert "| 80 | tcp | 0.0.0.0 | service web; dependency to web from 10.20.20.11 |" in web02 \
        or "| 80 | tcp | 0.0.0.0 | service web; dependency to web from lb01 |" in web02
    assert "| `nginx.service` | stopped | enabled | nginx (nginx) |" in web02
    assert "| 323 | udp | 127.0.0.1, ::1 | loopback only" in web02
    drift_rows = re.findall(r"^\| (web02) \| (.*) \| (.*) \|$", _section(en, "## 4. Drift"),
                            re.M)
    assert drift_rows == [("web02", "`nginx.service` enabled and running", "stopped/enabled"),
                          ("web02", "nothing listens on 8999/tcp", "listening on 0.0.0.0")]
    zh_rows = re.findall(r"^\| (web02) \| (.*) \| (.*) \|$", _section(zh, "## 4. 差異"), re.M)
    assert zh_rows == [("web02", "`nginx.service` 已啟用且運作中", "stopped/enabled"),
                       ("web02", "8999/tcp 不應有程式監聽", "監聽於 0.0.0.0")]
    assert "共 2 項差異" in zh


def test_a_clean_run_says_every_host_matches(plan: Plan) -> None:
    docs = _docs(plan, {**_record(plan), "drift": []})
    assert "No host contradicts the blueprint" in docs["en"]
    assert "所有主機均與藍圖相符" in docs["zh-TW"]


def test_a_lab_run_is_not_the_production_inventory(plan: Plan) -> None:
    docs = _docs(plan, {**_record(plan, env="lab"), "drift": []})
    assert "| lab |" in docs["en"]
    assert "No inventory has been taken yet in the production environment (the runs above " \
        "are of other environments)" in docs["en"]


def test_a_lab_run_records_the_machines_size_and_does_not_compare_it(plan: Plan) -> None:
    from sigen.operate.inventory import _record as lab_record
    from sigen.operate.playbook import RunResult

    def small(raw: dict[str, Any]) -> None:
        raw.update(cores=2, vcpus=2, memory_mb=24105)
        raw["listening"].append("tcp LISTEN 0 5 0.0.0.0:8999 0.0.0.0:*")
    raw = _play_output(plan, "lab", db01=small)
    started = datetime.datetime(2026, 12, 7, 8, tzinfo=datetime.UTC)
    record, found = lab_record(plan, "lab", raw, started, RunResult(0, 3.0))
    assert record["hosts"]["db01"]["memory_mb"] == 24105
    assert [(d.host, d.kind, d.subject) for d in found] == [("db01", "port", "8999/tcp")]
    assert record["drift"] == [{"host": "db01", "kind": "port", "subject": "8999/tcp",
                                "expected": "", "observed": "0.0.0.0"}]
    docs = _docs(plan)
    assert "are podman containers on one machine" in docs["en"]
    assert "podman 容器" in docs["zh-TW"]


# The command ------------------------------------------------------------------------------


def test_an_unknown_environment_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sigen.cli import main

    out = tmp_path / "eshop"
    assert main(["inventory", str(EXAMPLE), "--env", "staging", "--out", str(out)]) == 1
    said = capsys.readouterr()
    assert "SG951" in said.out + said.err and "no environment 'staging'" in said.out + said.err
    assert not out.exists()


def test_the_lab_must_be_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sigen.cli import main

    out = tmp_path / "eshop"
    assert main(["inventory", str(EXAMPLE), "--env", "lab", "--check", "--out", str(out),
                 "--format", "json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["command"] == "inventory" and result["exit_code"] == 1
    assert [d["code"] for d in result["diagnostics"]] == ["SG951"]
    assert "the lab is not up" in result["diagnostics"][0]["message"]
    assert (out / "inventory.yml").is_file()  # built first, as deploy and verify are
    assert not (out / "records" / "inventory").exists()
