"""Killing ``sigen build`` at any moment never leaves a folder that ``check`` accepts unless
it is exactly a complete tree, and the next build recovers.

Each round starts a real ``sigen build`` process (the on-premises and the hybrid example in
turn, so every build changes files, adds a revision and deletes orphans) and SIGKILLs it
after a random delay spread over its whole run. Processes are started one round ahead and
wait, imported, for the word to go, so the delay covers the build and not Python's start;
their file writes are slowed down so that many kills land in the middle of writing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sigen.build import build, check_output
from sigen.sync.writer import existing_files
from tests.test_build_cases import BLUEPRINTS, roles_dir

ROUNDS = 32
# The child stretches each file write and rename by a few milliseconds (test code, not
# sigen's): a real write phase lasts 7 ms of a 0.5 s build here, and random kills would
# almost never land in it.
_CHILD = """
import builtins, os, sys, time
from sigen.cli import main
import sigen.build, sigen.sync.check  # noqa: F401  (imported before the word to go)
_replace, _open = os.replace, builtins.open
def slow_replace(src, dst):
    time.sleep(0.003)
    _replace(src, dst)
def slow_open(file, mode="r", *args, **kwargs):
    if "w" in mode:
        time.sleep(0.003)
    return _open(file, mode, *args, **kwargs)
os.replace, builtins.open = slow_replace, slow_open
print("ready", flush=True)
sys.stdin.readline()
sys.exit(main(sys.argv[1:]))
"""


def _spawn(blueprint: Path, out: Path, roles: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, "build", str(blueprint), "--out", str(out),
         "--roles", str(roles)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SIGEN_AUTHOR": "kill test", "SIGEN_DATE": "2026-11-27"})
    return child


def _accepted_only_if_complete(blueprint: Path, out: Path, roles: Path) -> bool:
    """Whether check accepts ``out`` for ``blueprint``; if it does, prove the folder is
    exactly the blueprint's full render, compared independently of check."""
    rendered, diags = check_output(blueprint, out, roles, author="kill test",
                                   date="2026-11-27")
    if diags:
        return False
    on_disk = existing_files(out)
    assert set(on_disk) == set(rendered.files), "check accepted a folder with other files"
    for rel, content in rendered.files.items():
        assert on_disk[rel].read_bytes() == content, f"check accepted a mixture: {rel}"
    return True


def test_killed_builds_never_leave_a_mixture_check_accepts(tmp_path: Path) -> None:
    roles = roles_dir(tmp_path)[0]
    targets = [BLUEPRINTS["hybrid-cloud"], BLUEPRINTS["onprem-physical"]]
    out = tmp_path / "out"
    build(targets[1], out, roles)
    rng = random.Random(6)
    outcome = {"new": 0, "old": 0, "rejected": 0, "finished": 0}

    # One build, not killed, gives the time a build takes once Python is up.
    child = _spawn(targets[0], out, roles)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    started = time.monotonic()
    child.communicate("go\n")
    duration = time.monotonic() - started
    assert child.returncode == 0
    build(targets[1], out, roles)

    waiting = _spawn(targets[0], out, roles)
    for i in range(ROUNDS):
        target, other = targets[i % 2], targets[(i + 1) % 2]
        child, waiting = waiting, _spawn(other, out, roles)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
        time.sleep(rng.uniform(0, duration * 1.1))
        child.send_signal(signal.SIGKILL)
        output, err = child.communicate()
        if child.returncode == 0:
            outcome["finished"] += 1
        else:
            assert child.returncode == -signal.SIGKILL, output + err
        if _accepted_only_if_complete(target, out, roles):
            outcome["new"] += 1
        elif _accepted_only_if_complete(other, out, roles):
            outcome["old"] += 1
        else:
            outcome["rejected"] += 1
    waiting.kill()
    waiting.communicate()

    # Whatever the last kill left, a build finishes the job (no false "edited by hand").
    build(targets[0], out, roles)
    assert _accepted_only_if_complete(targets[0], out, roles)
    assert not [p for p in out.rglob("*.sigen-tmp")]
    print(f"kill outcomes over {ROUNDS} rounds: {outcome}")
    assert outcome["rejected"] + outcome["old"] + outcome["new"] == ROUNDS
    assert outcome["rejected"], "no kill landed while files were being written"
