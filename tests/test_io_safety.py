"""The disk fails, the output folder holds links, files are edited: never a traceback, never
a write outside the output folder, and a failed build leaves the previous output intact."""

from __future__ import annotations

import builtins
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigen.build import build, check_output
from sigen.cli import main
from sigen.diagnostics import SigenError
from tests.conftest import REPO, ROLES

ONPREM = REPO / "blueprints" / "onprem-physical.yml"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["build", str(ONPREM), "--roles", str(ROLES), *args])
    said = capsys.readouterr()
    return code, said.out + said.err


def _changed(tmp_path: Path) -> Path:
    changed = tmp_path / "changed.yml"
    changed.write_text(ONPREM.read_text().replace("memory_gb: 64", "memory_gb: 96", 1))
    return changed


@pytest.mark.parametrize("where", ["file", "under-a-file"])
def test_an_output_path_through_a_file_is_refused(tmp_path: Path, where: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("mine")
    out = tmp_path / "afile" if where == "file" else tmp_path / "afile" / "sub"
    code, said = _cli(capsys, "--out", str(out))
    assert code == 1 and "SG901" in said and "Traceback" not in said, said
    assert (tmp_path / "afile").read_text() == "mine"


def _fail(monkeypatch: pytest.MonkeyPatch, target: object, name: str, err: int,
          after: int = 0) -> None:
    """Make ``target.name`` raise OSError ``err`` from its ``after``-th call on."""
    real = getattr(target, name, None) or getattr(builtins, name)
    calls = [0]

    def failing(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] > after:
            raise OSError(err, os.strerror(err), str(args[0]) if args else None)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, failing, raising=False)


@pytest.mark.parametrize(("err", "advice"), [(errno.ENOSPC, "the disk is full"),
                                             (errno.EROFS, "read-only")])
def test_a_disk_failing_mid_write_leaves_the_previous_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        err: int, advice: str) -> None:
    """Fault injection at the writer: the temporaries of a rebuild cannot be written. The
    command says which file and what to do (SG910, exit 1) and the folder is exactly the
    previous output: sigen check of the previous blueprint passes."""
    out = tmp_path / "out"
    build(ONPREM, out, ROLES)
    import sigen.sync.writer as writer

    _fail(monkeypatch, writer, "open", err, after=2)
    code = main(["build", str(_changed(tmp_path)), "--out", str(out), "--roles", str(ROLES)])
    said = capsys.readouterr()
    text = said.out + said.err
    assert code == 1 and "SG910" in text and advice in text, text
    assert "Traceback" not in text
    monkeypatch.undo()
    assert check_output(ONPREM, out, ROLES)[1] == [], "the previous output is intact"
    assert not list(out.rglob("*.sigen-tmp"))


def test_a_cache_never_fails_a_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while the caches are saved, after the tree is complete: the build is
    done, and the output checks clean."""
    import jinja2

    import sigen.sync.writer as writer

    real = writer.atomic_write

    def full_for_caches(path: Path, content: bytes) -> None:
        if "/cache/" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, content)

    monkeypatch.setattr(writer, "atomic_write", full_for_caches)
    _fail(monkeypatch, jinja2.FileSystemBytecodeCache, "dump_bytecode", errno.ENOSPC)
    out = tmp_path / "out"
    result = build(ONPREM, out, ROLES)
    assert result.files > 100
    monkeypatch.undo()
    assert check_output(ONPREM, out, ROLES)[1] == []


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A real small file system (tmpfs, 400 kB unless the test says): where the machine
    lets this process mount one."""
    size = getattr(request, "param", "400k")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_file_system_is_a_diagnostic(small_disk: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The whole project (1.2 MB with its roles) does not fit on a 400 kB disk."""
    code, said = _cli(capsys, "--out", str(small_disk / "out"))
    assert code == 1 and "SG910" in said and "No space left" in said, said
    assert "Traceback" not in said


@pytest.mark.parametrize("small_disk", ["16m"], indirect=True)
def test_a_read_only_file_system_keeps_the_previous_output(
        small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Built there once, then the disk turns read-only."""
    roles = ROLES
    out = small_disk / "out"
    build(ONPREM, out, roles)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        code = main(["build", str(_changed(tmp_path)), "--out", str(out), "--roles",
                     str(roles)])
        said = capsys.readouterr()
        text = said.out + said.err
        assert code == 1 and "SG910" in text and "read-only" in text, text
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert check_output(ONPREM, out, roles)[1] == []


@pytest.mark.parametrize("folder", ["docs", ".sigen", "records", "inventories/production",
                                    "roles/common"])
def test_a_linked_folder_is_never_written_through(tmp_path: Path, folder: str) -> None:
    out = tmp_path / "out"
    build(ONPREM, out, ROLES)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("someone's file")
    shutil.rmtree(out / folder)
    (out / folder).symlink_to(elsewhere)
    with pytest.raises(SigenError) as err:
        build(_changed(tmp_path), out, ROLES)
    assert [d.code for d in err.value.diagnostics] == ["SG911"], err.value
    assert folder in str(err.value)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"], "nothing written there"
    # --force replaces the link by a real folder and leaves what it pointed to alone.
    build(_changed(tmp_path), out, ROLES, force=True)
    assert not (out / folder).is_symlink() and (out / folder).is_dir()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert check_output(_changed(tmp_path), out, ROLES)[1] == []


def test_force_removes_what_keep_edits_left_beside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ONPREM, out, ROLES)
    plan = out / "docs" / "en" / "installation-plan.md"
    plan.write_text(plan.read_text() + "\nmy note\n")
    build(_changed(tmp_path), out, ROLES, keep_edits=True)
    assert (out / "docs" / "en" / "installation-plan.md.new").is_file()
    build(_changed(tmp_path), out, ROLES, force=True)
    assert not (out / "docs" / "en" / "installation-plan.md.new").exists()
    assert check_output(_changed(tmp_path), out, ROLES)[1] == []
