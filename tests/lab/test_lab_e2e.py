"""End to end on real lab hosts, on the on-premises physical example brought up once and
deployed once: lab up (again: no change) -> a host added to and removed from the blueprint
-> a site lost and made again -> deploy -> deploy again (changed=0 everywhere) -> verify
(all pass) -> a firewall rule removed by hand makes verify fail and say which check and why
-> the inventory shows no drift, then names a stopped service and a stray port -> the web
hosts patched one batch at a time while the site answers through the load balancer -> backup,
restore and the drills (data corruption in place, a too-small RTO, host loss onto the
standby) -> a damaged backup repository is reported -> lab down removes exactly what up
made. The tests run in this order (file order, one xdist worker for the module: the lab's
subnets and names exist once per machine); each leaves the lab as the next one needs it.

The deploy takes several minutes on these 2-core machines, most of it apt installing
packages on the hosts; the virtualised example runs as the generated molecule scenario
(tests/lab/test_molecule.py). The wall times are printed for the closing notes (pytest -s,
or in the CI log on failure).
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sigen.plan.checks import BASELINE_KINDS
from tests.conftest import REPO, tool

# One worker for the whole module under pytest-xdist (.ci/run): one lab of this example at a time.
pytestmark = [pytest.mark.lab, pytest.mark.xdist_group("lab-eshop")]

EXAMPLE = REPO / "blueprints" / "onprem-physical.yml"

_RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                    r"failed=(\d+)", re.MULTILINE)


def _sigen(*args: str, env: dict[str, str], timeout: int = 1800) -> tuple[int, str, float]:
    started = time.monotonic()
    run = subprocess.run([tool("sigen"), *args], cwd=REPO, env=env, capture_output=True,
                         text=True, check=False, timeout=timeout)
    return run.returncode, run.stdout + run.stderr, time.monotonic() - started


def _recap(output: str) -> dict[str, tuple[int, int, int, int]]:
    return {m[0]: (int(m[1]), int(m[2]), int(m[3]), int(m[4])) for m in _RECAP.findall(output)}


def _podman_names(label: str) -> set[str]:
    listed = subprocess.run(["podman", "ps", "-a", "--filter", f"label={label}", "--format",
                             "{{.Names}}"], capture_output=True, text=True, check=True)
    return set(listed.stdout.split())


def _latest_record(out: Path) -> dict[str, Any]:
    records = sorted((out / "records" / "verify").glob("lab-*.json"))
    assert records, "verify wrote no record"
    data = json.loads(records[-1].read_text())
    assert isinstance(data, dict)
    return data


def _remove_rule(container: str, comment: str) -> None:
    """Delete the nftables rule with ``comment`` on a lab host, as a careless admin would."""
    listing = subprocess.run(["podman", "exec", container, "nft", "-a", "list", "chain",
                              "inet", "sigen_firewall", "input"],
                             capture_output=True, text=True, check=True).stdout
    handles = re.findall(rf'comment "{re.escape(comment)}" # handle (\d+)', listing)
    assert handles, listing
    for handle in handles:
        subprocess.run(["podman", "exec", container, "nft", "delete", "rule", "inet",
                        "sigen_firewall", "input", "handle", handle], check=True)


_EXTRA_HOST = """
  - name: util01
    kind: physical
    site: tpe-neihu
    os: debian-12
    hardware:
      model: Dell PowerEdge R360
      cpu_cores: 4
      memory_gb: 16
      disks: [{count: 2, size_gb: 480, type: ssd, raid: 1}]
    interfaces:
      - {network: mgmt, address: 10.20.90.61}

services:"""


def test_a_bridge_left_behind_is_named_with_the_fix(tmp_path: Path,
                                                   tool_env: dict[str, str]) -> None:
    """A podman bridge left on the machine with an address in a blueprint subnet (as
    happens when a network is removed while in use) stops lab up with the interface and
    the command that removes it, not only podman's "subnet already used"."""
    stale = "podman97"
    subprocess.run(["ip", "link", "add", stale, "type", "bridge"], check=True)
    out = str(tmp_path / "eshop")
    try:
        subprocess.run(["ip", "addr", "add", "10.20.30.1/24", "dev", stale], check=True)
        rc, said, _ = _sigen("lab", "up", str(EXAMPLE), "--out", out, env=tool_env)
    finally:
        subprocess.run(["ip", "link", "delete", stale], check=False)
        _sigen("lab", "down", str(EXAMPLE), "--out", out, env=tool_env)
    assert rc == 1, said
    assert "SG950" in said and "10.20.30.0/24 of network data is in use" in said, said
    assert f"ip link delete {stale}" in said, said
    assert not _podman_names("sigen.lab=eshop")


@dataclass
class Lab:
    """The onprem-physical example's lab, brought up once for the tests of this module."""

    blueprint: str
    out: str
    env: dict[str, str]
    times: dict[str, float] = field(default_factory=dict)

    def sigen(self, *args: str, blueprint: str | None = None,
              timeout: int = 1800) -> tuple[int, str]:
        # `lab up`: two words of command before the blueprint; otherwise one.
        words = 2 if args[0] == "lab" else 1
        # sigen's own options before a `--`: what follows it goes to ansible-playbook.
        own = list(args).index("--") if "--" in args else len(args)
        rc, said, seconds = _sigen(*args[:words], blueprint or self.blueprint,
                                   *args[words:own], "--out", self.out, *args[own:],
                                   env=self.env, timeout=timeout)
        key = " ".join(args)
        self.times[key if key not in self.times else f"{key} ({len(self.times)})"] = seconds
        return rc, said

    def changes(self, said: str) -> list[list[str]]:
        return [line.split() for line in said.splitlines() if line.startswith("  ")]


_FOREIGN = "sigen-eshop-foreign"


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory, tool_env: dict[str, str]) -> Iterator[Lab]:
    """The lab up, every host answering SSH, nothing deployed yet; beside it a container
    of a similar name that sigen did not make (lab down must leave it)."""
    env = dict(tool_env)
    env.pop("ANSIBLE_ROLES_PATH", None)  # the project must find its own roles
    out = tmp_path_factory.mktemp("e2e") / "onprem-physical"
    lab = Lab(str(EXAMPLE), str(out), env)
    subprocess.run(["podman", "run", "-d", "--name", _FOREIGN, "--stop-timeout=1",
                    "localhost/sigen-lab:bookworm", "sleep", "3600"], check=True,
                   capture_output=True)
    try:
        rc, said = lab.sigen("lab", "up")
        assert rc == 0, said
        rc, said = lab.sigen("lab", "up")
        assert rc == 0 and "(no change," in said, said
        rc, said = lab.sigen("lab", "status")
        rows = [line.split() for line in said.splitlines()[1:] if line.strip()]
        assert rc == 0 and rows and all(r[2] == "running" for r in rows), said
        assert all(r[3] == "yes" for r in rows if r[0] != "ntp"), said
        yield lab
    finally:
        # test_lab_down_removes_exactly_what_up_made took it down; this is for a failed run.
        lab.sigen("lab", "down")
        print("\nonprem-physical: " + ", ".join(f"{k} {v:.1f} s" for k, v in lab.times.items()))
        subprocess.run(["podman", "rm", "-f", "-t", "0", _FOREIGN], check=False,
                       capture_output=True)


def test_lab_up_follows_the_blueprint(hosts: Lab, tmp_path: Path) -> None:
    """A host added to the blueprint is added, a removed one removed, nothing else moves."""
    grown = tmp_path / "onprem-physical.yml"
    grown.write_text(EXAMPLE.read_text().replace("\nservices:", _EXTRA_HOST, 1))
    rc, said = hosts.sigen("lab", "up", blueprint=str(grown))
    assert rc == 0 and hosts.changes(said) == [["created", "container", "sigen-eshop-util01"]], \
        said
    rc, said = hosts.sigen("lab", "up")
    assert rc == 0 and hosts.changes(said) == [["removed", "container", "sigen-eshop-util01"]], \
        said


def test_site_loss_removes_every_host_of_the_site(hosts: Lab) -> None:
    """A site-loss drill's failure in the lab: every container of the site goes at once,
    the time server stays, and lab up makes them again."""
    from sigen.compile.loader import load_blueprint
    from sigen.compile.model import build_model
    from sigen.compile.planner import make_plan
    from sigen.operate.lab import control

    plan = make_plan(build_model(load_blueprint(EXAMPLE)))
    site = [h.name for h in plan.blueprint.hosts if h.site.name == "tpe-neihu"]
    gone = control.lose_hosts(plan, site)
    assert sorted(gone) == sorted(f"sigen-eshop-{h}" for h in site)
    assert _podman_names("sigen.lab=eshop") == {"sigen-eshop-ntp"}
    rc, said = hosts.sigen("lab", "up")
    created = [line.split()[2] for line in said.splitlines() if "created" in line]
    assert rc == 0 and sorted(created) == sorted(gone), said


@pytest.fixture(scope="module")
def lab(hosts: Lab) -> Lab:
    """The same lab with the project deployed once (the first deploy: every package and
    file is new)."""
    # -v: Ansible's own lines too, for the recap of every host.
    rc, said = hosts.sigen("deploy", "--env", "lab", "-v")
    assert rc == 0, said[-6000:]
    assert "PLAY [INS-001" in said
    from sigen.compile.loader import load_blueprint
    from sigen.compile.model import build_model
    from sigen.compile.planner import make_plan

    steps = len(make_plan(build_model(load_blueprint(EXAMPLE))).install)
    # The progress names each step, out of all of them, as it runs.
    assert f"INS-001 (1/{steps}) " in said and f"INS-{steps:03d} ({steps}/{steps}) " in said, \
        said[-3000:]
    first = _recap(said)
    assert first and all(failed == 0 and unreachable == 0
                         for _, _, unreachable, failed in first.values()), first
    return hosts


def test_lab_deploy_verify(lab: Lab) -> None:
    """deploy again changes nothing; verify passes; a firewall rule removed by hand makes
    verify fail and say which check and why."""
    rc, said = lab.sigen("deploy", "--env", "lab", "-v")
    assert rc == 0, said[-6000:]
    changed = {host: c for host, (_, c, _, _) in _recap(said).items() if c}
    assert _recap(said) and not changed, \
        f"second deploy changed something: {changed}\n{said[-6000:]}"

    rc, said = lab.sigen("verify", "--env", "lab")
    record = _latest_record(Path(lab.out))
    checks = record["checks"]
    assert isinstance(checks, list)
    bad = [c for c in checks if c["passed"] is not True]
    assert rc == 0 and not bad, f"{bad}\n{said[-4000:]}"
    report = (Path(lab.out) / "docs" / "en" / "test-report.md").read_text()
    assert f"| {record['started']} | lab |" in report
    assert "**FAIL**" not in report

    baseline = [c for c in checks if c["kind"] in BASELINE_KINDS]
    assert {(c["host"], c["id"]) for c in baseline} == {
        (h, control) for h in _hosts() for control in _baseline_ids()}, baseline

    # The load balancer's way to web01; the drills below do not need it. And two controls of
    # the hardening baseline weakened by hand, sshd's on web01 and a kernel parameter's boot
    # value on web02 (the same run checks all three).
    host, flow = "web01", "loadbalancer-to-web"
    _remove_rule(f"sigen-eshop-{host}", flow)
    _sshd_max_sessions(f"sigen-eshop-{host}", "2", "10")
    _sysctl_boot_line("sigen-eshop-web02", "net.ipv4.conf.all.log_martians = 1", "#")
    try:
        rc, said = lab.sigen("verify", "--env", "lab")
    finally:
        _sshd_max_sessions(f"sigen-eshop-{host}", "10", "2")
        _sysctl_boot_line("sigen-eshop-web02", "net.ipv4.conf.all.log_martians = 1", "")
    assert rc == 1, said
    every = [c for c in _latest_record(Path(lab.out))["checks"] if c["passed"] is False]
    weakened = {(c["host"], c["id"]): c["observed"] for c in every
                if c["kind"] in BASELINE_KINDS}
    assert set(weakened) == {(host, "ssh-max-sessions"),
                             ("web02", "sysctl-net-ipv4-conf-all-log-martians")}, weakened
    assert weakened[host, "ssh-max-sessions"] == "sshd -T: maxsessions 10, expected 2"
    # The lab machine's kernel owns the live value: read-only in the container.
    assert re.fullmatch(r"net\.ipv4\.conf\.all\.log_martians: not set at boot, live \d+ "
                        r"\(read-only here\), expected 1",
                        weakened["web02", "sysctl-net-ipv4-conf-all-log-martians"]), weakened
    checklist = (Path(lab.out) / "docs" / "en" / "verification-checklist.md").read_text()
    assert "| SSH limits the sessions one connection may open | 5.1.17 | Access control | " \
        "`2` | ☒ | 6 of 7 | web01: sshd -T: maxsessions 10, expected 2 |" in checklist
    assert "| Packets with impossible addresses are logged (all interfaces) | 3.3.9 | " \
        "Event logging and accountability | `net.ipv4.conf.all.log_martians = 1` | ☒ | " \
        "6 of 7 | web02: net.ipv4.conf.all.log_martians: not set at boot" in checklist
    failed = [c for c in every if c["kind"] not in BASELINE_KINDS]
    assert failed and all(c["kind"] == "flow" and c["subject"] == flow for c in failed), failed
    for check in failed:
        assert "Timeout when waiting for 10.20.20.21:80" in check["observed"], check
        assert f"FAILED   {check['id']} on {check['host']} (flow {flow})" in said
    report = (Path(lab.out) / "docs" / "en" / "test-report.md").read_text()
    section = report.split("## 4. Failed checks", 1)[1]
    for check in failed:
        assert f"| {check['id']} | {check['host']} |" in section
        assert "Timeout when waiting for" in section


def _hosts() -> list[str]:
    from sigen.compile.loader import load_blueprint

    return [h["name"] for h in load_blueprint(EXAMPLE).data["hosts"]]


def _baseline_ids() -> list[str]:
    from sigen.build import plan_for
    from sigen.compile.loader import load_blueprint

    return [c["id"] for c in plan_for(load_blueprint(EXAMPLE), REPO / "roles").baseline.checks]


def _sysctl_boot_line(container: str, line: str, prefix: str) -> None:
    """``line`` of the hardening role's sysctl file on a lab host commented out (``prefix``
    "#") or back (""); nothing is applied: verify reads the file."""
    old, new = (line, prefix + line) if prefix else ("#" + line, line)
    subprocess.run(["podman", "exec", container, "sed", "-i", f"s/^{old}$/{new}/",
                    "/etc/sysctl.d/60-sigen-hardening.conf"], check=True)


def _sshd_max_sessions(container: str, old: str, new: str) -> None:
    """MaxSessions of a lab host's sshd changed from ``old`` to ``new``, sshd reloaded."""
    subprocess.run(["podman", "exec", container, "sh", "-c",
                    f"sed -i 's/^MaxSessions {old}$/MaxSessions {new}/' /etc/ssh/sshd_config"
                    " && systemctl reload ssh"], check=True)


def _latest_inventory(out: Path) -> dict[str, Any]:
    records = sorted((out / "records" / "inventory").glob("lab-*.json"))
    assert records, "inventory wrote no record"
    data = json.loads(records[-1].read_text())
    assert isinstance(data, dict)
    return data


# A process of nobody's on web02, listening where nothing planned does; its shell's PID is
# kept so that only it is stopped afterwards.
_STRAY = "echo $$ > /run/sigen-stray.pid; exec python3 -m http.server 8999"


def test_inventory_finds_a_stopped_service_and_a_stray_port(lab: Lab) -> None:
    """On the freshly deployed lab the inventory shows no drift; nginx stopped on web02 and
    a stray listener on port 8999 there are both named, and gone once undone."""
    rc, said = lab.sigen("inventory", "--env", "lab", "--check")
    assert rc == 0, said[-6000:]
    record = _latest_inventory(Path(lab.out))
    assert record["drift"] == [], record["drift"]
    web02 = record["hosts"]["web02"]
    assert web02["answered"] and web02["os"]["distribution"] == "Debian"
    assert web02["packages"]["nginx"], web02["packages"]
    assert {"name": "nginx.service", "state": "running", "status": "enabled"} in \
        web02["services"]
    assert any(p["port"] == 80 for p in web02["listening"]), web02["listening"]
    document = (Path(lab.out) / "docs" / "en" / "system-inventory.md").read_text()
    assert f"| {record['started']} | lab |" in document

    container = "sigen-eshop-web02"
    subprocess.run(["podman", "exec", container, "systemctl", "stop", "nginx"], check=True)
    subprocess.run(["podman", "exec", "-d", container, "sh", "-c", _STRAY], check=True)
    try:
        for _ in range(50):  # the listener is up within a second or two
            listening = subprocess.run(["podman", "exec", container, "ss", "-Hltn"],
                                       capture_output=True, text=True, check=True).stdout
            if ":8999 " in listening:
                break
            time.sleep(0.2)
        rc, said = lab.sigen("inventory", "--env", "lab", "--check")
        assert rc == 1, said[-6000:]
        found = [(d["host"], d["kind"], d["subject"]) for d in
                 _latest_inventory(Path(lab.out))["drift"]]
        assert found == [("web02", "unit", "nginx.service"), ("web02", "port", "8999/tcp")], \
            found
        assert "DRIFT    web02: blueprint: nginx.service enabled and running; host: stopped" \
            in said, said[-4000:]
        assert "DRIFT    web02: blueprint: nothing listens on 8999/tcp; host: listening on" \
            in said, said[-4000:]
    finally:
        subprocess.run(["podman", "exec", container, "sh", "-c",
                        "kill $(cat /run/sigen-stray.pid) && rm /run/sigen-stray.pid"],
                       check=False)
        subprocess.run(["podman", "exec", container, "systemctl", "start", "nginx"],
                       check=True)
    rc, said = lab.sigen("inventory", "--env", "lab", "--check")
    assert rc == 0, said[-6000:]


_BIT_ROT = ('for f; do printf sigen-bit-rot-sigen-bit-rot-sigen | dd of="$f" bs=1 seek=16 '
            'conv=notrunc status=none; done')


def _drill_record(lab: Lab, said: str) -> dict[str, Any]:
    found = re.search(r"record (\S+/records/drills/(DRL-\d+-\d{8}T\d{6}Z)\.json)", said)
    assert found, said[-4000:]
    record = json.loads(Path(found.group(1)).read_text())
    report = Path(lab.out) / "docs" / "en" / "drill-reports" / f"{found.group(2)}.md"
    assert report.exists(), "the drill report was not written"
    record["report"] = report.read_text()
    assert isinstance(record, dict)
    return record


def _assert_passed_without_loss(record: dict[str, Any], said: str) -> None:
    assert record["passed"] and not record["reasons"], f"{record['reasons']}\n{said[-6000:]}"
    assert record["rows_lost"] == 0 and record["data"]
    assert all(row["kept"] for row in record["data"]), record["data"]
    canary = [r for r in record["data"] if r["name"].endswith("sigen_drill_canary")]
    assert canary and canary[0]["expected"].startswith(("1000 rows", "2000 rows",
                                                        "3000 rows")), canary
    assert all(a["answered"] for a in record["answers"]) and record["answers"]
    assert all(d["reached"] for d in record["dependants"])
    assert record["achieved"]["rto_seconds"] <= record["drill"]["rto_seconds"]
    assert 0 <= record["achieved"]["rpo_seconds"] <= record["drill"]["rpo_seconds"]
    assert "| Result | **PASS** |" in record["report"]


# lb01's address on the dmz, which the machine reaches over the lab's bridge; its front end
# on port 80 balances web01 and web02.
_SITE = "http://10.20.10.11/"


def _ask_the_site(answers: list[str], stop: threading.Event) -> None:
    """Requests through the load balancer, 20 a second, each answer as its HTTP status (an
    answer from nginx: 403 for the empty document root) or the error that came instead."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(_SITE, timeout=5) as reply:
                answers.append(str(reply.status))
        except urllib.error.HTTPError as err:
            answers.append(str(err.code))
        except OSError as err:
            answers.append(type(err).__name__)
        stop.wait(0.05)


def _pool_state(server: str) -> str:
    """What lb01's haproxy says of ``server`` in the web pool (UP, DOWN, MAINT, DRAIN...)."""
    stat = subprocess.run(["podman", "exec", "sigen-eshop-lb01", "sh", "-c",
                           "echo 'show stat' | socat stdio /run/haproxy/admin.sock"],
                          capture_output=True, text=True, check=True).stdout
    rows = [line.split(",") for line in stat.splitlines() if line.startswith("web,")]
    return next(row[17] for row in rows if row[1] == server)


def test_patch_rolls_while_the_site_answers(lab: Lab) -> None:
    """sigen patch on the web hosts: web02 in the first batch, web01 in the second, whose
    update "requires a reboot" (the lab restarts its services instead); each host is drained
    from lb01 before and put back after its check, so every request through lb01 during the
    run is answered by nginx."""
    web01 = "sigen-eshop-web01"
    # The firewall check above left lb01's way to web01 closed: load the host's own rules
    # again, and wait until lb01's health check has web01 back in the pool.
    subprocess.run(["podman", "exec", web01, "systemctl", "reload-or-restart", "nftables"],
                   check=True)
    for _ in range(60):
        state = _pool_state("web01")
        if state.startswith("UP"):
            break
        time.sleep(1)
    assert state.startswith("UP"), state
    subprocess.run(["podman", "exec", web01, "touch", "/run/reboot-required"], check=True)
    answers: list[str] = []
    stop = threading.Event()
    asking = threading.Thread(target=_ask_the_site, args=(answers, stop), daemon=True)
    asking.start()
    try:
        rc, said = lab.sigen("patch", "--env", "lab", "-v", "--", "--limit", "web01:web02")
    finally:
        stop.set()
        asking.join()
    assert rc == 0, said[-6000:]
    assert "PAT-001 (1/3) Patch web02, db02 started" in said, said[-4000:]
    assert "PAT-002 (2/3) Patch web01, db01, mon01, bk01 started" in said, said[-4000:]
    # Drained, then back: both places changed on lb01, each batch's own host only.
    assert "lb01 web/web02" in said and "lb01 web/web01" in said, said[-4000:]
    assert said.count("Restart the services instead of rebooting") >= 1
    gone = subprocess.run(["podman", "exec", web01, "test", "-e", "/run/reboot-required"],
                          check=False)
    assert gone.returncode == 1, "the restart that stands in for the reboot clears its flag"
    assert len(answers) > 50, answers  # the run lasted seconds, not an instant
    assert set(answers) == {"403"}, {a: answers.count(a) for a in set(answers)}
    # Both back in the pool ("UP", or "UP 1/3" while a check is retried).
    assert _pool_state("web01").startswith("UP") and _pool_state("web02").startswith("UP")


def test_backup_restore_and_drills(lab: Lab, tmp_path: Path) -> None:
    """Back up with restic check; the data-corruption drill in place and the host-loss
    drill onto db02 both recover with zero data lost; a restore in place is refused over
    data, then done with --replace; a drill with a too-small RTO fails and says why; a
    damaged repository is reported by restic check."""
    rc, said = lab.sigen("backup", "--env", "lab")
    assert rc == 0, said[-6000:]
    assert said.count("restic check passed") >= 3  # db01, web01, web02
    assert "sigen: backup on lab done, restic check passed" in said

    rc, said = lab.sigen("drill", "DRL-002")
    corruption = _drill_record(lab, said)
    assert rc == 0, said[-6000:]
    _assert_passed_without_loss(corruption, said)
    assert [p["phase"] for p in corruption["timeline"]] == ["prepare", "inject", "recover",
                                                            "verify"]

    # The drill left its canary table: a restore over it is refused unless asked for.
    rc, said = lab.sigen("restore", "--env", "lab", "--service", "database")
    assert rc == 1 and "already holds 1 tables" in said, said[-4000:]
    rc, said = lab.sigen("restore", "--env", "lab", "--service", "database", "--replace")
    assert rc == 0 and "it is kept as eshop_before_restore_" in said, said[-4000:]

    # The same drill with an RTO no recovery can meet: it runs, fails, and says why.
    strict = tmp_path / "onprem-physical.yml"
    strict.write_text(EXAMPLE.read_text().replace(
        "success: {rto: 1h, rpo: 24h}", "success: {rto: 5s, rpo: 24h}", 1))
    rc, said = lab.sigen("drill", "DRL-002", blueprint=str(strict))
    negative = _drill_record(lab, said)
    assert rc == 1, said[-6000:]
    assert not negative["passed"] and negative["rows_lost"] == 0
    assert len(negative["reasons"]) == 1, negative["reasons"]
    assert negative["reasons"][0].startswith("RTO exceeded: the service was recovered and "
                                             "verified "), negative["reasons"]
    assert negative["reasons"][0].endswith("the target is 5s (5 s)")
    assert f"FAILED   {negative['reasons'][0]}" in said
    assert "| Result | **FAIL** |" in negative["report"]
    assert "### Why the drill failed" in negative["report"]

    rc, said = lab.sigen("drill", "DRL-001")
    host_loss = _drill_record(lab, said)
    assert rc == 0, said[-6000:]
    _assert_passed_without_loss(host_loss, said)
    assert host_loss["drill"]["recovery"] == ["db02"]
    assert host_loss["snapshots"]["database-nightly"]["restored"]["host"] == "db01"
    assert not _podman_names("sigen.lab=eshop") & {"sigen-eshop-db01"}
    plan = (Path(lab.out) / "docs" / "en" / "disaster-drill-plan.md").read_text()
    for record in (corruption, negative, host_loss):
        assert f"({'drill-reports/' + record['run']}.md)" in plan
    # Each run recorded what it depended on. The latest DRL-002 ran against the strict
    # blueprint, so on this one it is stale (and it failed); DRL-001 still proves the system.
    assert set(host_loss["facts"]) == {"hosts", "services", "backups", "drills"}
    standing = {line.split(" | ")[0]: line for line in plan.splitlines()
                if line.startswith("| DRL-") and "](drill-reports/" in line}
    assert "| current: nothing it depends on changed" in standing["| DRL-001"], standing
    assert "**stale**" in standing["| DRL-002"] and "RTO 5s → 1h" in standing["| DRL-002"]
    assert "**FAIL**" in standing["| DRL-002"]
    print("\n" + "\n".join(
        f"{r['run']}: RTO {r['achieved']['rto_seconds']} s, RPO {r['achieved']['rpo_seconds']} s; "
        + ", ".join(f"{p['phase']} {p['seconds']} s" for p in r["timeline"])
        for r in (corruption, negative, host_loss)))

    # db01 is gone (the host-loss drill): the other policy still runs, and each is
    # reported; the run fails because one policy could not run.
    rc, said = lab.sigen("backup", "--env", "lab")
    assert rc == 1, said[-6000:]
    assert "BAK-001 database-nightly: NOT RUN: db01 unreachable" in said, said[-4000:]
    assert "BAK-002 web-content: done, restic check passed" in said, said[-4000:]

    # Bit rot in the web content's repository: bytes of the first blob of every pack
    # change (sizes stay), so the trees fail their MAC. restic check (which reads trees,
    # not every data blob) reports it at once; truncated packs instead make restic retry
    # its reads for minutes before it gives up.
    subprocess.run(["podman", "exec", "sigen-eshop-bk01", "find",
                    "/srv/backup/web-content/repo/data", "-type", "f", "-exec", "sh", "-c",
                    _BIT_ROT, "sigen-bit-rot", "{}", "+"], check=True)
    rc, said = lab.sigen("backup", "--env", "lab", "--policy", "BAK-002")
    assert rc == 1, said[-6000:]
    assert "FAILED   web01: backup_client : Stop when the repository is damaged: restic check " \
           "found the repository of backup policy web-content on bk01 damaged" in said, \
        said[-6000:]


def test_lab_down_removes_exactly_what_up_made(hosts: Lab) -> None:
    """Last in the module: down removes the labelled containers and networks and the lab
    folder, and leaves the container it did not make."""
    rc, said = hosts.sigen("lab", "down")
    assert rc == 0, said
    assert not _podman_names("sigen.lab=eshop")
    assert not subprocess.run(["podman", "network", "ls", "-q", "--filter",
                               "label=sigen.lab=eshop"], capture_output=True, text=True,
                              check=True).stdout.strip()
    assert not Path(hosts.out + ".lab").exists()
    kept = subprocess.run(["podman", "container", "exists", _FOREIGN], check=False)
    assert kept.returncode == 0, "lab down removed a container it did not make"
