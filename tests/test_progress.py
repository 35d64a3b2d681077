"""The progress of a run, read from the real ``ansible-playbook``'s output: plan steps are
numbered out of the steps the run meets, plays that are no step (the preflight) are not,
a play --tags leaves out is not shown, the batches of a ``serial`` play are one step, a
delegated task counts for its host, a step's play that reaches more hosts than the step
names counts what it reached, and what a debug task says is passed on under its host."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from sigen.operate.progress import Progress
from tests.conftest import tool

# A preflight on the control node, then two steps; the second runs in batches, delegates
# to the backup host and also reaches a host it does not name (as a backup policy's play
# reaches its backup server); a third step is left out by --tags.
_PLAYBOOK = """\
- name: Preflight
  hosts: localhost
  gather_facts: false
  tags: [always]
  tasks:
    - name: Nothing to check
      ansible.builtin.debug:
        msg: ok
- name: INS-001 Base configuration
  hosts: web
  gather_facts: false
  tags: [INS-001]
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: hello
    - name: Say a list
      ansible.builtin.debug:
        msg: [one, two]
      when: inventory_hostname == "web02"
- name: RST-001 Not asked for
  hosts: web
  gather_facts: false
  tags: [RST-001]
  tasks:
    - name: Never runs
      ansible.builtin.fail:
        msg: left out by --tags
- name: BAK-001 Backup policy
  hosts: web:backup
  gather_facts: false
  serial: 2
  tags: [BAK-001]
  tasks:
    - name: Register on the backup host
      ansible.builtin.debug:
        msg: registered
      delegate_to: bk01
      when: inventory_hostname != "bk01"
    - name: Fail on the backup host
      ansible.builtin.fail:
        msg: no repository
      when: inventory_hostname == "bk01"
"""

_INVENTORY = """\
web:
  hosts:
    web01: {ansible_connection: local}
    web02: {ansible_connection: local}
backup:
  hosts:
    bk01: {ansible_connection: local}
"""


def _ansible_output(tmp_path: Path, tool_env: dict[str, str]) -> tuple[int, list[str]]:
    (tmp_path / "site.yml").write_text(_PLAYBOOK)
    (tmp_path / "hosts.yml").write_text(_INVENTORY)
    # One fork: the hosts answer in inventory order, so the lines compare as a list.
    env = {**tool_env, "ANSIBLE_PYTHON_INTERPRETER": "auto_silent", "ANSIBLE_FORKS": "1"}
    run = subprocess.run([tool("ansible-playbook"), "-i", "hosts.yml", "site.yml",
                          "--tags", "INS-001,BAK-001"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    return run.returncode, run.stdout.splitlines()


def test_progress_of_a_real_run(tmp_path: Path, tool_env: dict[str, str]) -> None:
    returncode, lines = _ansible_output(tmp_path, tool_env)
    assert returncode == 2, lines
    shown = io.StringIO()
    ticks = iter(range(1000))
    progress = Progress("site.yml on lab", {"INS-001": 2, "BAK-001": 2}, 3, mode="plain",
                        stream=shown, clock=lambda: float(next(ticks)))
    for line in lines:
        progress.feed(line)
    progress.close(returncode)
    said = [line.split("] ", 1)[-1] for line in shown.getvalue().splitlines()]
    assert said == [
        "site.yml on lab: 2 steps on 3 hosts",
        "- Preflight started",
        "  localhost: ok",
        "- done: 1/1 hosts ok",
        "INS-001 (1/2) Base configuration started on 2 hosts",
        "  web01: hello",
        "  web02: hello",
        "  web02: one two",
        "INS-001 done: 2/2 hosts ok",
        "BAK-001 (2/2) Backup policy started on 2 hosts",
        "  web01: registered",
        "  web02: registered",
        "BAK-001 done: 2/3 hosts ok, failed: bk01",
        "site.yml on lab: FAILED (exit 2) after 2 steps; failed hosts: bk01",
    ], said
