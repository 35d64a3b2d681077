"""Run a generated playbook with the real ``ansible-playbook`` against an environment.

Ansible's own output is what a person watching wants (plays named by step ID, a task per
line, the recap), so it goes straight to the terminal; sigen adds a line before and a
timed summary after. The lab adds its connection inventory and generated secrets from the
lab folder; production uses the project's inventory and whatever vault options the
operator passes after ``--``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sigen.lab import files as lab_files
from sigen.lab.podman import lab_error
from sigen.lab.topology import LAB_OVERRIDES

__all__ = ["RunResult", "ansible_playbook"]


@dataclass(frozen=True)
class RunResult:
    returncode: int
    seconds: float


def _executable() -> str:
    beside = Path(sys.executable).with_name("ansible-playbook")
    found = str(beside) if beside.exists() else shutil.which("ansible-playbook")
    if not found:
        raise lab_error("ansible-playbook is not installed: pip install ansible-core "
                        "(sigen's dependency) in the environment sigen runs from", "SG952")
    return found


def command(out: Path, env: str, playbook: str, *, tags: Sequence[str] = (),
            check: bool = False, extra_vars: Sequence[str] = (),
            extra_args: Sequence[str] = ()) -> list[str]:
    """The ansible-playbook command line (run in ``out``)."""
    inventory = out / "inventories" / env
    if not inventory.is_dir():
        raise lab_error(f"the project has no inventories/{env}: the blueprint defines no "
                        f"environment named {env!r}", "SG951")
    args = [_executable(), "-i", f"inventories/{env}"]
    if env == "lab":
        lab = lab_files.lab_dir(out).resolve()
        if not (lab / "hosts.yml").exists():
            raise lab_error(f"the lab is not up ({lab} has no hosts.yml): run sigen lab up "
                            "first", "SG951")
        args += ["-i", str(lab / "hosts.yml"), "-e", f"@{lab / 'secrets.yml'}",
                 "--vault-password-file", str(lab / "vault-password"),
                 "-e", json.dumps(LAB_OVERRIDES)]
    if tags:
        args += ["--tags", ",".join(tags)]
    if check:
        args.append("--check")
    for var in extra_vars:
        args += ["-e", var]
    return [*args, *extra_args, playbook]


def ansible_playbook(out: Path, env: str, playbook: str, *, tags: Sequence[str] = (),
                     check: bool = False, extra_vars: Sequence[str] = (),
                     extra_args: Sequence[str] = ()) -> RunResult:
    """Run ``playbook`` of the project ``out`` against ``env``; Ansible prints as it goes."""
    args = command(out, env, playbook, tags=tags, check=check, extra_vars=extra_vars,
                   extra_args=extra_args)
    environ = dict(os.environ)
    environ["ANSIBLE_CONFIG"] = str((out / "ansible.cfg").resolve())
    # The project's collections first, then the operator's own.
    paths = [str((out / "collections").resolve())]
    if environ.get("ANSIBLE_COLLECTIONS_PATH"):
        paths.append(environ["ANSIBLE_COLLECTIONS_PATH"])
    environ["ANSIBLE_COLLECTIONS_PATH"] = ":".join(paths)
    if env == "lab":
        environ.setdefault("ANSIBLE_HOST_KEY_CHECKING", "False")
    sys.stdout.flush()
    started = time.monotonic()
    proc = subprocess.run(args, cwd=out, env=environ, check=False)
    return RunResult(proc.returncode, time.monotonic() - started)
