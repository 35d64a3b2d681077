"""Run a generated playbook with the real ``ansible-playbook`` against an environment.

By default Ansible's own output goes straight to the terminal (plays named by step ID, a
task per line, the recap). Inside ``showing(Display(...))`` (the command line sets one) it
is read line by line into a ``sigen.operate.progress.Progress`` instead: the current step,
hosts done / total and the elapsed time, live on a terminal, plain lines in CI, nothing
when quiet, with Ansible's own lines shown too when verbose. The output is always kept in
the result, so the caller can say which task failed and why. The lab adds its connection
inventory and generated secrets from the lab folder; production uses the project's
inventory and whatever vault options the operator passes after ``--``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sigen.operate.lab import files as lab_files
from sigen.operate.lab.podman import lab_error
from sigen.operate.progress import Progress
from sigen.plan.lab import LAB_OVERRIDES

__all__ = ["Display", "RunResult", "ansible_playbook", "failures", "recap", "showing"]

# Ansible's default output for a failed task: `fatal: [host]: FAILED! => {json}`, or with a
# loop item `failed: [host] (item=...) => {json}`; UNREACHABLE is a failure too.
_FAILED = re.compile(r"^(?:fatal|failed): \[([^\]]+)\][^=]*=> (\{.*\})\s*$")
_TASK = re.compile(r"^TASK \[(.*)\] \**$")
_RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                    r"failed=(\d+)")


@dataclass(frozen=True)
class Display:
    """How runs show themselves: ``mode`` rich, plain or quiet (``progress.mode_for``),
    Ansible's own lines too when ``verbose``, on ``stream``; ``steps`` are the plan IDs a
    run may meet with their host counts, ``hosts`` the inventory's size."""

    mode: str
    verbose: bool = False
    stream: TextIO | None = None
    steps: Mapping[str, int] = field(default_factory=dict)
    hosts: int = 0


_display: ContextVar[Display | None] = ContextVar("sigen_display", default=None)


@contextlib.contextmanager
def showing(display: Display) -> Iterator[None]:
    """Runs inside show their progress as ``display`` says."""
    token = _display.set(display)
    try:
        yield
    finally:
        _display.reset(token)


@dataclass(frozen=True)
class RunResult:
    returncode: int
    seconds: float
    output: tuple[str, ...] = ()


def _said(result: dict[str, object]) -> str:
    """A failed result's message, with the command's last error line when the message
    alone (``non-zero return code``) does not say what went wrong."""
    msg = str(result.get("msg") or "").strip()
    stderr = [line for line in str(result.get("stderr") or "").splitlines() if line.strip()]
    if stderr and (not msg or msg == "non-zero return code"):
        return f"{msg}: {stderr[-1].strip()}" if msg else stderr[-1].strip()
    return msg


def failures(lines: Sequence[str]) -> list[str]:
    """``host: task: message`` of each failed task in Ansible's output, skipping failures
    the play ignored (``...ignoring``)."""
    found: list[str] = []
    task = ""
    for i, line in enumerate(lines):
        heading = _TASK.match(line)
        if heading:
            task = heading.group(1)
            continue
        failed = _FAILED.match(line)
        if not failed:
            continue
        if i + 1 < len(lines) and lines[i + 1].strip() == "...ignoring":
            continue
        try:
            result = json.loads(failed.group(2))
        except ValueError:
            result = {}
        said = _said(result) if isinstance(result, dict) else ""
        found.append(f"{failed.group(1)}: {task}: {' '.join(str(said).split())}".rstrip(": "))
    return found


def recap(lines: Sequence[str]) -> dict[str, dict[str, int]]:
    """Ansible's PLAY RECAP, per host: ok, changed, unreachable and failed counts."""
    found: dict[str, dict[str, int]] = {}
    for line in lines:
        match = _RECAP.match(line)
        if match:
            found[match[1]] = {"ok": int(match[2]), "changed": int(match[3]),
                               "unreachable": int(match[4]), "failed": int(match[5])}
    return found


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
    """Run ``playbook`` of the project ``out`` against ``env``; its output is shown as it
    comes (as ``showing`` says) and kept in the result."""
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
    display = _display.get()
    progress = None
    echo: TextIO | None = sys.stdout
    if display is not None:
        stream = display.stream if display.stream is not None else sys.stderr
        progress = Progress(f"{playbook} on {env}", display.steps, display.hosts,
                            mode=display.mode, stream=stream)
        echo = stream if display.verbose else None
    sys.stdout.flush()
    started = time.monotonic()
    lines: list[str] = []
    with subprocess.Popen(args, cwd=out, env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if echo is not None:
                echo.write(line)
            if progress is not None:
                progress.feed(line)
            lines.append(line.rstrip("\n"))
    if echo is not None:
        echo.flush()
    if progress is not None:
        progress.close(proc.returncode)
    return RunResult(proc.returncode, time.monotonic() - started, tuple(lines))
