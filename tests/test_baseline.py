"""The hardening baseline is one fact per control: the value the role variables give every
host, the value verify.yml reads back, and the value the verification checklist states are
the same, with the exceptions a blueprint records; the role's own defaults are the baseline,
so the role used without sigen hardens the same way."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigen.build import build, plan_for
from sigen.compile.baseline import catalogue
from sigen.compile.loader import load_text
from sigen.compile.verification import rows
from sigen.diagnostics import SigenError
from sigen.plan import Plan
from sigen.plan.baseline import ROOT_LOGIN
from sigen.plan.checks import BASELINE_KINDS
from tests.conftest import REPO, ROLES, tool

EXAMPLE = REPO / "blueprints" / "onprem-physical.yml"
PROJECT = REPO / "examples" / "onprem-physical"
HARDENING = ROLES / "hardening"
EXCEPTION = """  baseline:
    banner: "Authorized use of Example Corp's systems only. Activity is logged."
    exceptions:
      - control: ssh-max-sessions
        value: 10
        reason: The monitoring agent multiplexes ten sessions on one connection.
        approved_by: Lin Mei-Hua
"""


def _role_value(data: dict[str, Any], option: str, key: str) -> Any:
    value = data[option]
    return value[key] if key else value


def _with_exception(tmp_path: Path, block: str = EXCEPTION) -> tuple[Path, Plan]:
    text = EXAMPLE.read_text().replace("security:\n", "security:\n" + block, 1)
    path = tmp_path / "eshop.yml"
    path.write_text(text)
    return path, plan_for(load_text(path, text.encode()), ROLES)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return plan_for(load_text(EXAMPLE, EXAMPLE.read_bytes()), ROLES)


def test_the_roles_defaults_are_the_baseline() -> None:
    defaults = yaml.safe_load((HARDENING / "defaults" / "main.yml").read_text())
    specs = yaml.safe_load((HARDENING / "meta" / "argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"]["options"]
    for control in catalogue()["controls"]:
        if control.get("set_by") == "security.ssh.root_login":
            # Alone the role lets root in with a key: Ansible may be connecting as root.
            assert defaults[control["option"]] == "prohibit-password"
            continue
        option, _, key = control["option"].partition(".")
        assert _role_value(defaults, option, key) == control["value"], control["id"]
        assert _role_value({option: options[option]["default"]}, option, key) \
            == control["value"], control["id"]


def test_what_the_hosts_get_is_what_verify_reads_and_the_checklist_states(plan: Plan) -> None:
    inventory = json.loads((PROJECT / "inventories" / "production" / "group_vars" / "all"
                            / "sigen.json").read_text())
    verify = yaml.safe_load((PROJECT / "verify.yml").read_text())[1]["vars"]["sigen_baseline"]
    checked = {c["id"]: c for c in verify}
    checklist = (PROJECT / "docs" / "en" / "verification-checklist.md").read_text()
    table = checklist.split("### 2.1 Controls", 1)[1].split("### 2.2", 1)[0]
    for n, control in enumerate(plan.baseline.controls, 1):
        given = _role_value(inventory, control.option, control.key)
        row = next(line for line in table.splitlines() if line.startswith(f"| {n} |"))
        if control.set_by == "security.ssh.root_login":
            assert given == plan.root_login["production"]
            assert checked[control.id]["expected"] == str(ROOT_LOGIN)
            assert f"| `{given}` |" in row
            continue
        assert given == control.value, control.id
        assert checked[control.id]["expected"] == control.expected, control.id
        assert f"| {control.cis or '-'}" in row
        shown = (f"the banner ({len(control.expected)} characters)"
                 if control.check == "banner"
                 else f"`{control.setting} = {control.expected}`" if control.check == "sysctl"
                 else f"`{control.expected}`")
        assert f"| {shown} |" in row, row


def test_the_sshd_configuration_writes_every_ssh_control() -> None:
    template = (HARDENING / "templates" / "sshd_config.j2").read_text()
    for control in catalogue()["controls"]:
        if control["check"]["kind"] == "ssh":
            option = control["option"].partition(".")[0]
            assert "{{ " + option in template or f"in {option}.items()" in template, \
                control["id"]


def test_an_exception_changes_the_hosts_the_check_and_the_checklist(tmp_path: Path) -> None:
    path, plan = _with_exception(tmp_path)
    control = next(c for c in plan.baseline.controls if c.id == "ssh-max-sessions")
    assert control.value == 10 and control.expected == "10" and control.baseline == 2
    assert plan.ansible.inventory_vars["production"]["hardening_ssh_max_sessions"] == 10
    banner = "Authorized use of Example Corp's systems only. Activity is logged."
    assert plan.ansible.inventory_vars["lab"]["hardening_login_banner"] == banner
    assert {c["id"]: c["expected"] for c in plan.baseline.checks}["banner-remote"] == banner
    out = tmp_path / "eshop"
    build(path, out, ROLES)
    en = (out / "docs" / "en" / "verification-checklist.md").read_text()
    assert ("| E1 | `ssh-max-sessions` (control 10) | `2` | `10` | The monitoring agent "
            "multiplexes ten sessions on one connection. | Lin Mei-Hua |") in en
    assert "| SSH limits the sessions one connection may open (exception E1) | 5.1.17 |" in en
    assert "| Access control (存取控制) | 17 | 1 |" in en
    zh = (out / "docs" / "zh-TW" / "verification-checklist.md").read_text()
    assert "| E1 | `ssh-max-sessions`（第 10 項） | `2` | `10` |" in zh  # noqa: RUF001


def test_core_dumps_allowed_by_an_exception_are_not_checked(tmp_path: Path) -> None:
    _, plan = _with_exception(tmp_path, """  baseline:
    exceptions:
      - control: core-dumps
        value: true
        reason: The vendor's support needs core dumps of the application.
        approved_by: Lin Mei-Hua
""")
    assert "core-dumps" not in {c["id"] for c in plan.baseline.checks}
    assert plan.ansible.inventory_vars["production"]["hardening_core_dumps"] is True


@pytest.mark.parametrize(("block", "said"), [
    ("      - {control: ssh-max-session, value: 10, reason: r, approved_by: Lin Mei-Hua}\n",
     "SG202 no control 'ssh-max-session' in the baseline; did you mean 'ssh-max-sessions'?"),
    ("      - {control: ssh-root-login, value: 'yes', reason: r, approved_by: Lin Mei-Hua}\n",
     "SG703 ssh-root-login is set by security.ssh.root_login, not by an exception"),
    ("      - {control: ssh-max-sessions, value: ten, reason: r, approved_by: Lin Mei-Hua}\n",
     "SG703 the value for ssh-max-sessions must be a whole number like the baseline's (2)"),
    ("      - {control: ssh-kex, value: ['a b'], reason: r, approved_by: Lin Mei-Hua}\n",
     "SG703 the value for ssh-kex must be a list of names"),
    ("      - {control: ssh-log-level, value: \"INFO\\nPermitRootLogin yes\", reason: r, "
     "approved_by: Lin Mei-Hua}\n", "without spaces or line breaks"),
    ("      - {control: ssh-max-sessions, value: 2, reason: r, approved_by: Lin Mei-Hua}\n",
     "SG703 2 is the baseline's own value for ssh-max-sessions"),
    ("      - {control: banner-remote-mode, value: '644', reason: r, approved_by: Lin Mei-Hua}\n",
     "SG703 the value for banner-remote-mode must be a file mode of four octal digits"),
    ("      - {control: sysctl-net-ipv4-ip-forward, value: 'on', reason: r, "
     "approved_by: Lin Mei-Hua}\n",
     "SG703 the value for sysctl-net-ipv4-ip-forward must be a whole number like the "
     "baseline's (0)"),
    ("      - {control: ssh-max-sessions, value: 4, reason: r, approved_by: Nobody}\n",
     "SG202 unknown person 'Nobody' approves a deviation from the baseline"),
    ("      - {control: ssh-max-sessions, value: 4, reason: r, approved_by: Lin Mei-Hua}\n"
     "      - {control: ssh-max-sessions, value: 5, reason: r, approved_by: Lin Mei-Hua}\n",
     "SG703 a second exception for ssh-max-sessions (the first is exceptions[0])"),
])
def test_a_wrong_exception_is_named_with_the_fix(tmp_path: Path, block: str, said: str) -> None:
    with pytest.raises(SigenError) as err:
        _with_exception(tmp_path, "  baseline:\n    exceptions:\n" + block)
    assert said in str(err.value), str(err.value)


def test_a_run_has_one_baseline_row_per_control_and_host(plan: Plan) -> None:
    lab = next(e for e in plan.blueprint.environments if e.name == "lab")
    outcomes = {"web01": [{"id": "ssh-max-sessions", "passed": False,
                           "observed": "sshd -T: maxsessions 10, expected 2"}]}
    found = [r for r in rows(plan, lab, outcomes) if r["kind"] in BASELINE_KINDS]
    assert len(found) == len(plan.blueprint.hosts) * len(plan.baseline.checks)
    failed = [r for r in found if r["passed"] is False]
    assert [(r["host"], r["id"]) for r in failed] == [("web01", "ssh-max-sessions")]
    root = next(r for r in found if r["id"] == "ssh-root-login")
    assert root["expected"] == plan.root_login["lab"]
    # The planned rows (no run) hold none: the checklist lists the controls themselves.
    assert not [r for r in rows(plan, lab) if r["kind"] in BASELINE_KINDS]


def test_a_kernel_parameter_exception_keeps_every_other_parameter(tmp_path: Path) -> None:
    """hardening_sysctl is one dict variable: the exception's key changes, and the group
    variables still hold every other key of the baseline (a dict variable is replaced
    whole, so a missing key would be a parameter the hosts no longer get)."""
    _, plan = _with_exception(tmp_path, """  baseline:
    exceptions:
      - control: sysctl-net-ipv4-ip-forward
        value: 1
        reason: db01 routes the backup network.
        approved_by: Lin Mei-Hua
""")
    given = plan.ansible.inventory_vars["production"]["hardening_sysctl"]
    defaults = yaml.safe_load((HARDENING / "defaults" / "main.yml").read_text())
    assert given == {**defaults["hardening_sysctl"], "net.ipv4.ip_forward": 1}
    checks = {c["id"]: c for c in plan.baseline.checks}
    assert checks["sysctl-net-ipv4-ip-forward"]["expected"] == "1"


def _sysctl_script() -> str:
    play = yaml.safe_load((PROJECT / "verify.yml").read_text())[1]
    task = next(t for t in play["tasks"] if t["name"].startswith("Read the kernel parameters"))
    return str(task["vars"]["sigen_sysctl_script"])


def test_the_kernel_parameter_check_reads_the_boot_value_systemd_sysctl_applies(
        tmp_path: Path) -> None:
    """verify.yml's reader of the kernel parameters, run by the real sh and awk, with
    systemd-analyze answering a configuration of the forms sysctl.d(5) allows: comments,
    '-' before a key, slashes for dots, spaces around '=', a later file overriding an
    earlier one; a key no file sets is empty."""
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "systemd-analyze").write_text("""#!/bin/sh
cat <<'CONF'
# /usr/lib/sysctl.d/50-default.conf
; a comment
net.ipv4.ip_forward = 1
-net/ipv4/tcp_syncookies=0
kernel.sysrq=16

# /etc/sysctl.d/60-sigen-hardening.conf
net.ipv4.ip_forward = 0
# kernel.sysrq = 0
net.ipv4.tcp_syncookies = 1
CONF
""")
    (shim / "systemd-analyze").chmod(0o755)
    keys = ["net.ipv4.ip_forward", "net.ipv4.tcp_syncookies", "kernel.sysrq",
            "net.ipv4.conf.all.log_martians", "sigen.no_such_parameter"]
    run = subprocess.run(["/bin/sh", "-c", _sysctl_script(), "sysctl", *keys],
                         env={"PATH": f"{shim}:/usr/bin:/bin"}, capture_output=True,
                         text=True, check=True)
    found = json.loads(run.stdout)
    assert {k: v["boot"] for k, v in found.items()} == {
        "net.ipv4.ip_forward": "0", "net.ipv4.tcp_syncookies": "1", "kernel.sysrq": "16",
        "net.ipv4.conf.all.log_martians": "", "sigen.no_such_parameter": ""}
    assert found["sigen.no_such_parameter"]["access"] == "absent"
    live = Path("/proc/sys/net/ipv4/ip_forward").read_text().strip()
    assert found["net.ipv4.ip_forward"]["live"] == live
    assert found["net.ipv4.ip_forward"]["access"] in ("writable", "readonly")


def test_a_module_allowed_by_an_exception_is_not_checked(tmp_path: Path) -> None:
    """An exception lets one kernel module load: that control has nothing left to check,
    the other modules stay off (the dict variable is given whole), the checklist says so."""
    path, plan = _with_exception(tmp_path, """  baseline:
    exceptions:
      - control: module-usb-storage
        value: true
        reason: The backup host writes its offline copy to a USB disk.
        approved_by: Lin Mei-Hua
""")
    assert "module-usb-storage" not in {c["id"] for c in plan.baseline.checks}
    assert "module-cramfs" in {c["id"] for c in plan.baseline.checks}
    modules = plan.ansible.inventory_vars["production"]["hardening_kernel_modules"]
    assert modules == {"cramfs": False, "freevxfs": False, "hfs": False, "hfsplus": False,
                       "jffs2": False, "usb-storage": True}
    out = tmp_path / "eshop"
    build(path, out, ROLES)
    en = (out / "docs" / "en" / "verification-checklist.md").read_text()
    assert "(exception E1) | 1.1.1.9 | System and communications protection | not checked: " \
        "the exception allows the module | n/a |" in en


def test_the_verdicts_verify_yml_records_for_what_a_host_shows(tmp_path: Path,
                                                               tool_env: dict[str, str]) -> None:
    """verify.yml's verdict tasks, run by the real ansible-playbook (on the controller, as in
    a run) on what a host showed: a kernel parameter missing from the boot configuration, one
    a container only sets at boot, a module that can still load and a banner file others may
    write fail or pass with what was seen; every other control of those kinds passes."""
    play = yaml.safe_load((PROJECT / "verify.yml").read_text())[1]
    baseline = play["vars"]["sigen_baseline"]
    judged = {"sysctl", "modprobe", "mode"}
    verdicts = [t for t in play["tasks"] if t.get("ansible.builtin.set_fact", {}).keys()
                & {f"sigen_tst_{k}" for k in judged}]
    assert len(verdicts) == len(judged)
    params = {c["setting"]: {"access": "readonly", "live": "9", "boot": c["expected"]}
              for c in baseline if c["kind"] == "sysctl"}
    params["net.ipv4.ip_forward"] = {"access": "writable", "live": "1", "boot": "0"}
    params["net.ipv4.tcp_syncookies"] = {"access": "readonly", "live": "1", "boot": ""}
    modules = [f"{c['setting']} yes unknown /bin/false" for c in baseline
               if c["kind"] == "modprobe" and c["setting"] != "hfs"] + ["hfs no no -"]
    shown = {
        "sigen_sysctl": {"stdout": json.dumps(params)},
        "sigen_modprobe": {"stdout_lines": modules},
        "sigen_modes": {"stdout_lines": ["/etc/issue root root 644",
                                         "/etc/issue.net root root 666"]},
    }
    out = tmp_path / "verdicts.json"
    registered = ", ".join(f"sigen_tst_{k}" for k in sorted(judged))
    playbook = [{"name": "verdicts", "hosts": "localhost", "gather_facts": False,
                 "vars": {"sigen_baseline": baseline, **shown},
                 "tasks": [*verdicts, {"name": "Write them", "ansible.builtin.copy": {
                     "dest": str(out), "mode": "0644",
                     "content": "{{ [" + registered + "] | map(attribute='results') | flatten"
                                " | to_json }}"}}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook, sort_keys=False))
    run = subprocess.run([tool("ansible-playbook"), "-i", "localhost,", "-c", "local",
                          "-e", "ansible_python_interpreter=/usr/bin/python3",
                          str(tmp_path / "play.yml")], env=tool_env, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:]
    failed = {r["item"]["id"]: r["msg"] for r in json.loads(out.read_text()) if r["failed"]}
    assert failed == {
        "sysctl-net-ipv4-ip-forward":
            "net.ipv4.ip_forward: 0 at boot, live 1, expected 0",
        "sysctl-net-ipv4-tcp-syncookies":
            "net.ipv4.tcp_syncookies: not set at boot, live 1 (read-only here), expected 1",
        "module-hfs": "hfs: install -, not blacklisted, not loaded, "
                      "expected install /bin/false, blacklisted",
        "banner-remote-mode": "/etc/issue.net: root root 666, expected root root 644",
    }, failed
    passed = {r["item"]["id"]: r["msg"] for r in json.loads(out.read_text()) if not r["failed"]}
    assert passed["sysctl-net-ipv4-conf-all-log-martians"] == (
        "net.ipv4.conf.all.log_martians = 1 at boot; live 9, read-only here "
        "(the host kernel owns it)")
    assert passed["module-cramfs"] == \
        "cramfs: install /bin/false, blacklisted (loaded or not: the host kernel owns it)"
