"""sigen installs like a Python tool: the wheel (`python -m build`: an sdist, then the wheel
built from it) carries the roles, templates, schema and lab assets, and a sigen installed
from it into a clean virtual environment builds a blueprint from outside the repository,
byte for byte as the checkout does.

Cheap after the first run: everything is cached under $SIGEN_TEST_CACHE (default
.cache/sigen-tests/, which CI may keep between runs):
- the wheelhouse (setuptools and sigen's dependencies), keyed by those requirements: the
  only download, once;
- the wheel, keyed by the content of what goes into it, built offline from the wheelhouse;
- the virtual environment, keyed by the wheel, installed offline from the wheelhouse.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

CACHE = Path(os.environ.get("SIGEN_TEST_CACHE") or REPO / ".cache" / "sigen-tests")
# What goes into the wheel (setup.py bundles roles/ and molecule/).
SOURCES = ("sigen", "roles", "molecule", "setup.py", "pyproject.toml", "MANIFEST.in",
           "README.md")
BLUEPRINT = REPO / "blueprints" / "onprem-physical.yml"


def _key(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _source_key() -> str:
    files = []
    for name in SOURCES:
        path = REPO / name
        found = [path] if path.is_file() else sorted(
            p for p in path.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
            and not any(part.startswith(".") for part in p.relative_to(REPO).parts))
        files += found
    return _key(*(x for p in files for x in (p.relative_to(REPO).as_posix(), p.read_bytes())))


def _keep_only(current: Path) -> None:
    """Remove the older entries of the same kind (a venv is 180 MB)."""
    prefix = current.name.rsplit("-", 1)[0] + "-"
    for other in current.parent.glob(prefix + "*"):
        if other != current:
            shutil.rmtree(other, ignore_errors=True)


def _pip_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    return env


def _done(folder: Path) -> bool:
    return (folder / ".complete").is_file()


def _complete(folder: Path) -> None:
    (folder / ".complete").write_text("")
    _keep_only(folder)


def wheelhouse() -> Path:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = ["setuptools>=77", *project["dependencies"]]
    folder = CACHE / f"wheelhouse-{_key(sys.version, *requirements)}"
    if not _done(folder):
        shutil.rmtree(folder, ignore_errors=True)
        run = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-d", str(folder),
                              *requirements], capture_output=True, text=True, env=_pip_env(),
                             check=False)
        if run.returncode != 0:
            pytest.skip(f"cannot download sigen's dependencies: {run.stderr[-500:]}")
        _complete(folder)
    return folder


def built_wheel(house: Path) -> Path:
    folder = CACHE / f"wheel-{_source_key()}"
    if not _done(folder):
        shutil.rmtree(folder, ignore_errors=True)
        env = {**_pip_env(), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(house)}
        # Not from the repository: `python -m build` there imports sigen's own output folder
        # `build/` (the default of `sigen build`) in place of the build package.
        CACHE.mkdir(parents=True, exist_ok=True)
        run = subprocess.run([sys.executable, "-m", "build", "-q", "--outdir", str(folder),
                              str(REPO)], capture_output=True, text=True, env=env, check=False,
                             cwd=CACHE)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        _complete(folder)
    (wheel,) = folder.glob("sigen-*.whl")
    return wheel


@pytest.fixture(scope="session")
def wheel() -> Path:
    return built_wheel(wheelhouse())


@pytest.fixture(scope="session")
def installed(wheel: Path) -> Path:
    """The bin/ folder of a clean virtual environment with only sigen and its dependencies."""
    venv = CACHE / f"venv-{_key(wheel.parent.name, wheelhouse().name)}"
    if not _done(venv):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        run = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-compile",
                              "--no-index", "--find-links", str(wheelhouse()), str(wheel)],
                             capture_output=True, text=True, env=_pip_env(), check=False)
        assert run.returncode == 0, run.stderr[-2000:]
        _complete(venv)
    return venv / "bin"


def _tree(out: Path) -> dict[str, bytes]:
    """The files of a build, but the caches (compiled templates are named by their path)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and not p.relative_to(out).as_posix().startswith(".sigen/cache/")}


def test_the_wheel_carries_roles_templates_schema_and_lab_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    roles = sorted(p.parent.parent.name for p in (REPO / "roles").glob("*/meta/argument_specs.yml"))
    assert roles
    for role in roles:
        for part in ("meta/argument_specs.yml", "tasks/main.yml"):
            assert f"sigen/data/roles/{role}/{part}" in names
    # The scenarios, which the component documents describe, and the lab's scripts.
    scenarios = [p.relative_to(REPO).as_posix() for p in (REPO / "molecule").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts]
    assert {f"sigen/data/{p}" for p in scenarios} <= names
    assert "sigen/data/molecule/lab/build-images" in names
    for template in (REPO / "sigen" / "templates").rglob("*.j2"):
        assert template.relative_to(REPO).as_posix() in names
    assert {"sigen/data/blueprint.schema.yml", "sigen/data/init/blueprint.yml",
            "sigen/py.typed"} <= names


def test_an_installed_sigen_builds_outside_the_repository_as_the_checkout_does(
        installed: Path, tmp_path: Path, tool_env: dict[str, str]) -> None:
    env = {k: v for k, v in tool_env.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = f"{installed}{os.pathsep}/usr/bin:/bin"
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(BLUEPRINT, work / "shop.yml")

    def sigen(*args: str, cwd: Path = work) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(installed / "sigen"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, check=False)

    for flag in ("--version", "-V"):
        assert sigen(flag).stdout.strip() == "sigen 0.1.0"
    assert sigen("validate", "shop.yml").returncode == 0
    built = sigen("build", "shop.yml", "--out", "out")
    assert built.returncode == 0, built.stdout + built.stderr
    # The same blueprint built by the checkout's sigen, from the same relative paths.
    mine = tmp_path / "checkout"
    mine.mkdir()
    shutil.copy(BLUEPRINT, mine / "shop.yml")
    subprocess.run([sys.executable, "-m", "sigen", "build", "shop.yml", "--out", "out"],
                   cwd=mine, env={**os.environ}, check=True, capture_output=True)
    theirs, ours = _tree(work / "out"), _tree(mine / "out")
    assert sorted(theirs) == sorted(ours)
    assert [p for p in ours if theirs[p] != ours[p]] == []
    assert "roles/postgresql/tasks/main.yml" in theirs

    started = sigen("init", "proj")
    assert started.returncode == 0, started.stderr
    assert sigen("validate", cwd=work / "proj").returncode == 0
