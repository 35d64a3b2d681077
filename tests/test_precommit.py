"""sigen's pre-commit hooks as users run them: the real pre-commit, `try-repo` on a fresh
project in a temporary git repository, no args; every diagnostic with a real position."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, tool

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))


def test_the_python_hooks_run_what_the_system_hooks_run() -> None:
    """The test below runs the -system hooks (no environment to install); the hooks users
    install (language: python) must differ from them in nothing else. tests/test_install.py
    installs sigen as pre-commit does, from the package."""
    by_id = {hook["id"]: hook for hook in HOOKS}
    assert {"sigen-validate", "sigen-check"} <= set(by_id)
    for name in ("sigen-validate", "sigen-check"):
        installed, system = by_id[name], by_id[f"{name}-system"]
        assert installed["language"] == "python" and system["language"] == "system"
        for key in ("entry", "files", "pass_filenames", "always_run", "args"):
            assert installed.get(key) == system.get(key), (name, key)


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project as `sigen init` starts it, built, committed to a git repository."""
    project = tmp_path / "shop"
    sigen = [sys.executable, "-m", "sigen"]
    subprocess.run([*sigen, "init", str(project)], check=True, capture_output=True)
    subprocess.run([*sigen, "build", "blueprints/shop.yml"], cwd=project, check=True,
                   capture_output=True)
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q",
         "-m", "start")
    return project


@pytest.fixture()
def hook_repo(tmp_path: Path) -> Path:
    """A git repository holding sigen's .pre-commit-hooks.yaml. try-repo on sigen's own
    checkout would clone and hash its whole tree (examples, golden trees) for every run;
    the system hooks need nothing of it but this file."""
    repo = tmp_path / "hooks"
    repo.mkdir()
    (repo / ".pre-commit-hooks.yaml").write_bytes((REPO / ".pre-commit-hooks.yaml").read_bytes())
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "h")
    return repo


def _try_repo(project: Path, hooks: Path) -> subprocess.CompletedProcess[str]:
    """Both hooks, as `pre-commit try-repo REPO HOOK --all-files` runs each (one at a time:
    try-repo takes one hook, or all of them, which would install the python ones)."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(hooks.parent / "pre-commit-home"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "NO_COLOR": "1"}
    runs = [subprocess.run([tool("pre-commit"), "try-repo", str(hooks), hook, "--all-files",
                            "--color", "never"], cwd=project, env=env, capture_output=True,
                           text=True, check=False, timeout=300)
            for hook in ("sigen-validate-system", "sigen-check-system")]
    return subprocess.CompletedProcess(
        runs[0].args, max(r.returncode for r in runs), "".join(r.stdout for r in runs),
        "".join(r.stderr for r in runs))


def test_try_repo_on_a_fresh_project_validates_and_checks(project: Path,
                                                          hook_repo: Path) -> None:
    clean = _try_repo(project, hook_repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"sigen validate .*Passed", clean.stdout)
    assert re.search(r"sigen check .*Passed", clean.stdout)

    # A typo, and a blueprint no longer matching its build.
    blueprint = project / "blueprints" / "shop.yml"
    text = blueprint.read_text("utf-8")
    blueprint.write_text(text.replace("  owner:", "  ownr:", 1), "utf-8")
    (project / "build" / "shop" / "site.yml").write_text("# edited\n", "utf-8")
    failed = _try_repo(project, hook_repo)
    assert failed.returncode == 1
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("  owner:"))
    assert re.search(rf"^blueprints/shop\.yml:{line}:3: SG102 ", failed.stdout, re.M), \
        failed.stdout
    # The check cannot plan an invalid blueprint: it reports the blueprint's errors too.
    blueprint.write_text(text, "utf-8")
    stale = _try_repo(project, hook_repo)
    assert stale.returncode == 1
    assert re.search(r"^build/shop/site\.yml:1:1: SG90[24] ", stale.stdout, re.M), stale.stdout
    for run in (failed, stale):
        positions = re.findall(r"^(\S+?):(\d+):(\d+): SG\d{3} ", run.stdout, re.M)
        assert positions and all(int(line) > 0 and int(col) > 0 for _, line, col in positions)
        assert ":0:0" not in run.stdout
