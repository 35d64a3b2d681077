"""Staying in sync: check, diff, safe regeneration, the lock, revisions, incremental builds.

The kill test (interrupted builds never leave a folder that ``check`` accepts unless it is
the complete new tree) is in tests/test_sync_kill.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sigen.build import build, check_output
from sigen.diagnostics import SigenError
from sigen.sync.lock import output_lock
from sigen.sync.manifest import read_manifest
from tests.test_build import tree_of
from tests.test_build_cases import BLUEPRINTS, roles_dir

ONPREM = BLUEPRINTS["onprem-physical"]


@pytest.fixture(scope="module")
def roles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return roles_dir(tmp_path_factory.mktemp("roles"))[0]


def variant(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    """A copy of the on-premises example with text replaced (each must occur)."""
    text = ONPREM.read_text("utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / f"{name}.yml"
    path.write_text(text, "utf-8")
    return path


def mtimes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and not p.relative_to(out).as_posix().startswith(".sigen/")}


def codes(diags: list[object]) -> list[str]:
    return [d.code for d in diags]  # type: ignore[attr-defined]


def revisions_in(out: Path) -> list[str]:
    """The version column of the revision table of each plan (all three must agree)."""
    tables = []
    for doc in ("installation-plan.md", "backup-restore-plan.md", "disaster-drill-plan.md"):
        text = (out / "docs" / "en" / doc).read_text("utf-8")
        table = text.split("## Revision history", 1)[1].split("\n## ", 1)[0]
        tables.append([row.split("|")[1].strip() for row in table.splitlines()
                       if row.startswith("| ") and not row.startswith("| Version")])
    assert tables[0] == tables[1] == tables[2]
    return tables[0]


# A change to the system (a port) and one that is not (the description).
PORT = ("ports: [80]", "ports: [80, 8080]")
WORDS = ("    Customer-facing web shop:", "    Revised wording. Customer-facing web shop:")


def test_manifest_lists_every_generated_file(tmp_path: Path, roles: Path) -> None:
    out = tmp_path / "out"
    result = build(ONPREM, out, roles)
    manifest = read_manifest(out)
    assert manifest is not None and manifest.version
    generated = {rel for rel in tree_of(out) if not rel.startswith(("records/", ".sigen/"))}
    assert set(manifest.files) == generated | {".sigen/system.json", ".sigen/.gitignore"}
    assert len(manifest.files) == result.files
    assert manifest.inputs["blueprint"] == result.plan.blueprint.sha256  # type: ignore[union-attr]


def test_noop_rebuild_reads_no_blueprint_and_writes_nothing(tmp_path: Path,
                                                            roles: Path) -> None:
    out = tmp_path / "out"
    build(ONPREM, out, roles)
    before = mtimes(out)
    state = (out / ".sigen" / "manifest.json").stat().st_mtime_ns
    time.sleep(0.01)
    result = build(ONPREM, out, roles)
    assert result.plan is None, "nothing was loaded or rendered"
    assert not (result.write.created or result.write.changed or result.write.deleted)
    assert mtimes(out) == before
    assert (out / ".sigen" / "manifest.json").stat().st_mtime_ns == state


def test_one_host_change_rewrites_only_what_depends_on_it(tmp_path: Path,
                                                          roles: Path) -> None:
    out = tmp_path / "out"
    build(ONPREM, out, roles)
    before = mtimes(out)
    changed_bp = variant(tmp_path, "bigger", ("memory_gb: 64", "memory_gb: 128"))
    result = build(changed_bp, out, roles)
    after = mtimes(out)
    rewritten = {rel for rel in before if after[rel] != before[rel]}
    assert set(result.write.changed) - {".sigen/system.json"} == rewritten - {
        "records/revisions.json"}
    assert rewritten, "the change shows somewhere"
    # The plans list host sizes; no playbook, inventory or other host's variables change.
    assert all(rel.startswith("docs/") or rel == "records/revisions.json"
               for rel in rewritten), rewritten
    # Every document carries the revision table, so every document is rewritten; nothing
    # else is (AWX's approval node does not name the change's number, which follows it).
    docs = {rel for rel in before if rel.startswith("docs/") and not rel.startswith("docs/roles/")}
    assert rewritten - {"records/revisions.json"} <= docs


def test_hand_edit_stops_the_build_and_names_the_file(tmp_path: Path, roles: Path) -> None:
    out = tmp_path / "out"
    build(ONPREM, out, roles)
    edited = out / "inventories" / "production" / "host_vars" / "lb01.json"
    edited.write_text(edited.read_text() + "# local tweak\n")
    before = {rel: c for rel, c in tree_of(out).items()}
    changed_bp = variant(tmp_path, "port", PORT)
    with pytest.raises(SigenError) as err:
        build(changed_bp, out, roles)
    assert codes(list(err.value.diagnostics)) == ["SG902"]
    assert str(edited) in str(err.value) and "--force" in str(err.value)
    assert tree_of(out) == before, "nothing was written"
    _, diags = check_output(ONPREM, out, roles)
    assert codes(diags) == ["SG902"]

    result = build(changed_bp, out, roles, keep_edits=True)
    assert result.write.beside == ("inventories/production/host_vars/lb01.json",)
    assert edited.read_text().endswith("# local tweak\n")
    new = edited.with_name("lb01.json.new")
    assert "8080" in new.read_text()
    with pytest.raises(SigenError):
        build(changed_bp, out, roles)  # still edited: still refused
    new.unlink()
    build(changed_bp, out, roles, force=True)
    assert "local tweak" not in edited.read_text()
    assert check_output(changed_bp, out, roles)[1] == []


def test_files_sigen_did_not_write_are_never_touched(tmp_path: Path, roles: Path) -> None:
    out = tmp_path / "out"
    build(ONPREM, out, roles)
    notes = out / "docs" / "notes.md"
    notes.write_text("mine\n")
    (out / "records" / "drill-2026-10.md").write_text("drill evidence\n")
    build(variant(tmp_path, "port", PORT), out, roles)
    assert notes.read_text() == "mine\n"
    _, diags = check_output(variant(tmp_path, "port", PORT), out, roles)
    assert [(d.code, Path(d.path).name) for d in diags] == [("SG906", "notes.md")]
    # A file in the way of a new generated file is not overwritten either.
    (out / "docs" / "en" / "installation-plan.md").unlink()
    (out / "docs" / "en" / "installation-plan.md").write_text("someone else's\n")
    manifest = (out / ".sigen" / "manifest.json").read_text()
    (out / ".sigen" / "manifest.json").write_text(
        manifest.replace('"docs/en/installation-plan.md"', '"docs/other.md"'))
    with pytest.raises(SigenError) as err:
        build(ONPREM, out, roles)
    assert "not written by sigen" in str(err.value)


def test_orphans_are_deleted_only_when_unchanged(tmp_path: Path, roles: Path) -> None:
    out = tmp_path / "out"
    hybrid = BLUEPRINTS["hybrid-cloud"]  # has db-dr01, which onprem-physical has not
    build(hybrid, out, roles)
    orphan = out / "inventories" / "lab" / "host_vars" / "db-dr01.json"
    edited_orphan = out / "inventories" / "production" / "host_vars" / "db-dr01.json"
    edited_orphan.write_text(edited_orphan.read_text() + "# note\n")
    result = build(ONPREM, out, roles)
    assert "inventories/lab/host_vars/db-dr01.json" in result.write.deleted
    assert not orphan.exists()
    assert result.write.kept == ("inventories/production/host_vars/db-dr01.json",)
    assert edited_orphan.read_text().endswith("# note\n")
    _, diags = check_output(ONPREM, out, roles)
    assert codes(diags) == ["SG906"]


def test_concurrent_build_is_refused_at_once(tmp_path: Path, roles: Path) -> None:
    out = tmp_path / "out"
    build(ONPREM, out, roles)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from sigen.sync.lock import output_lock\n"
         "with output_lock(Path(sys.argv[1])):\n"
         "    print('held', flush=True); time.sleep(30)\n", str(out)],
        stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(SigenError) as err:
            build(variant(tmp_path, "port", PORT), out, roles)
        assert time.monotonic() - started < 2
        assert codes(list(err.value.diagnostics)) == ["SG903"]
        assert f"pid {holder.pid} on " in str(err.value)
    finally:
        holder.kill()
        holder.wait()
    build(variant(tmp_path, "port", PORT), out, roles)  # the lock died with its holder


def test_lock_is_exclusive_within_one_process_too(tmp_path: Path) -> None:
    with output_lock(tmp_path), pytest.raises(SigenError), output_lock(tmp_path):
        pass
    with output_lock(tmp_path):
        pass


def test_revision_table_gains_one_entry_per_semantic_change(tmp_path: Path,
                                                            roles: Path) -> None:
    out = tmp_path / "out"
    build(ONPREM, out, roles, author="Ann Lee", date="2026-11-01")
    assert revisions_in(out) == ["1.0"]
    build(ONPREM, out, roles, author="Bob", date="2026-11-02")  # same system
    assert revisions_in(out) == ["1.0"]
    port = variant(tmp_path, "port", PORT)
    result = build(port, out, roles, author="Bob", date="2026-11-03")
    assert revisions_in(out) == ["1.0", "1.1"]
    assert result.revision is not None and result.revision.author == "Bob"
    assert result.revision.changes == ("Service loadbalancer: TCP ports 80 → 80, 8080",)
    text = (out / "docs" / "en" / "installation-plan.md").read_text()
    assert "| 1.1 | 2026-11-03 | Bob | Service loadbalancer: TCP ports 80 → 80, 8080 |" in text
    words = variant(tmp_path, "words", PORT, WORDS)  # only prose changed
    result = build(words, out, roles, date="2026-11-04")
    assert result.write.changed and result.revision is None
    assert revisions_in(out) == ["1.0", "1.1"]
    build(ONPREM, out, roles, date="2026-11-05")  # the port goes back: a change again
    assert revisions_in(out) == ["1.0", "1.1", "1.2"]
    # Rebuilding the same blueprint elsewhere gives the same bytes; the history is data.
    assert check_output(ONPREM, out, roles)[1] == []


def test_check_in_a_ci_like_run(tmp_path: Path, roles: Path) -> None:
    """Commit outputs, change the blueprint: check fails; rebuild: check passes."""
    out = tmp_path / "out"
    blueprint = tmp_path / "system.yml"
    blueprint.write_bytes(ONPREM.read_bytes())
    sigen = [sys.executable, "-m", "sigen"]
    env = {**os.environ, "SIGEN_AUTHOR": "CI", "SIGEN_DATE": "2026-11-27"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*sigen, *args, str(blueprint), "--out", str(out), "--roles",
                               str(roles)], capture_output=True, text=True, env=env,
                              check=False)

    assert run("build").returncode == 0
    assert run("check").returncode == 0
    blueprint.write_text(blueprint.read_text().replace(*PORT, 1))
    failed = run("check")
    assert failed.returncode == 1
    assert "SG904" in failed.stdout and "lb01.json" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
    diff = run("diff")
    # Changes are pending: exit 4, not 1 (invalid) nor 2 (a usage error).
    assert diff.returncode == 4 and "Service loadbalancer: TCP ports 80 → 80, 8080" in diff.stdout
    assert "(the plans would gain revision 1.1)" in diff.stdout
    assert "changed  inventories/production/host_vars/lb01.json" in diff.stdout
    unified = run("diff", "--unified")
    assert "+    - 8080" in unified.stdout or "8080" in unified.stdout
    assert run("build").returncode == 0
    assert run("check").returncode == 0
    assert run("diff").returncode == 0  # nothing pending
    table = (out / "docs" / "en" / "installation-plan.md").read_text()
    assert "| 1.1 | 2026-11-27 | CI |" in table


def test_bad_revision_date_is_a_diagnostic(tmp_path: Path, roles: Path) -> None:
    with pytest.raises(SigenError) as err:
        build(ONPREM, tmp_path / "out", roles, date="27/11/2026")
    assert codes(list(err.value.diagnostics)) == ["SG908"]
    assert not (tmp_path / "out").exists()


def test_check_reports_missing_and_unbuilt(tmp_path: Path, roles: Path) -> None:
    out = tmp_path / "out"
    _, diags = check_output(ONPREM, out, roles)
    assert codes(diags) == ["SG905"]
    build(ONPREM, out, roles)
    (out / "site.yml").unlink()
    _, diags = check_output(ONPREM, out, roles)
    assert codes(diags) == ["SG905"]
    build(ONPREM, out, roles)
    assert check_output(ONPREM, out, roles)[1] == []


class EntryCache:
    """The incremental build's entry cache over ``out`` (as sigen.build makes it)."""

    def __init__(self, out: Path, salt: str) -> None:
        from sigen.compile.validate.unseen import SeenEntries
        from sigen.sync.cache import Store

        self.store = Store(out, "entries", salt)
        self.unseen = SeenEntries(self.store).unseen

    def save(self) -> None:
        self.store.save(always=True)


class LoadCache:
    """The incremental build's load cache over ``out`` (as sigen.build makes it)."""

    def __init__(self, out: Path, salt: str) -> None:
        from sigen.compile.parts import PartsLoader, decode
        from sigen.sync.cache import Store

        self.store = Store(out, "load", salt, decode=decode)
        self.loader = PartsLoader(self.store)
        self.load = self.loader.load

    @property
    def parsed_in_full(self) -> bool:
        return self.loader.parsed_in_full

    def save(self) -> None:
        from sigen.compile.parts import encode

        self.store.save(encode)


def test_entry_cache_reports_exactly_what_a_full_validation_reports(tmp_path: Path,
                                                                    roles: Path) -> None:
    from sigen.compile.loader import load_blueprint
    from sigen.compile.validate import validate_blueprint

    out = tmp_path / "out"
    cold = EntryCache(out, "salt")
    assert validate_blueprint(load_blueprint(ONPREM), roles, cold.unseen) == []
    cold.save()
    warm = EntryCache(out, "salt")
    assert warm.unseen(load_blueprint(ONPREM)) is not None, "known entries are skipped"
    for name, change in (("schema", ("memory_gb: 64", "memory_gb: lots")),
                         ("secret", ("{vault: vault_eshop_redis_password}", "s3cret-Passw0rd"))):
        loaded = load_blueprint(variant(tmp_path, name, change))
        expected = validate_blueprint(loaded, roles)
        assert expected, name
        assert validate_blueprint(loaded, roles, warm.unseen) == expected, name
        assert validate_blueprint(loaded, roles, EntryCache(out, "other").unseen) == expected
    good = load_blueprint(variant(tmp_path, "good", ("memory_gb: 64", "memory_gb: 96")))
    assert validate_blueprint(good, roles, warm.unseen) == []


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_load_cache_gives_exactly_the_full_load(name: str, tmp_path: Path) -> None:
    from sigen.compile.loader import load_blueprint

    blueprint = BLUEPRINTS[name]
    first = LoadCache(tmp_path, "salt")
    assert first.load(blueprint).data == load_blueprint(blueprint).data
    first.save()
    text = blueprint.read_text("utf-8")
    changed = tmp_path / "changed.yml"
    # Change one list entry (or nothing, when the text has nothing to change).
    changed.write_text(text.replace("ports: [80]", "ports: [80, 8080]", 1), "utf-8")
    warm = LoadCache(tmp_path, "salt")
    assert warm.load(changed).data == load_blueprint(changed).data
    if name != "hostile-text":  # anchors and the like: always loaded in full
        assert not warm.parsed_in_full


def test_load_cache_falls_back_to_the_full_load_for_problems(tmp_path: Path) -> None:
    cache = LoadCache(tmp_path, "salt")
    cache.load(ONPREM)
    cache.save()
    broken = variant(tmp_path, "dup",
                     ("    kind: physical\n", "    kind: physical\n    kind: vm\n"))
    with pytest.raises(SigenError) as err:
        LoadCache(tmp_path, "salt").load(broken)
    assert [d.code for d in err.value.diagnostics] == ["SG005"]
    yes = variant(tmp_path, "yes", ("log_denied: true", "log_denied: yes"))
    loaded = LoadCache(tmp_path, "salt").load(yes)
    assert loaded.yaml11_plain, "the full load reports the YAML 1.1 boolean"


def test_builds_interrupted_one_after_another_are_recovered(
        tmp_path: Path, roles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second interrupted build must remember what the first one may have written."""
    out = tmp_path / "out"
    hybrid = BLUEPRINTS["hybrid-cloud"]
    build(ONPREM, out, roles)
    real_replace = os.replace
    for target, after in ((hybrid, 30), (ONPREM, 8)):
        count = {"n": 0}

        def failing_replace(src: object, dst: object, limit: int = after,
                            count: dict[str, int] = count) -> None:
            count["n"] += 1
            if count["n"] > limit:
                raise OSError(5, "Input/output error")
            real_replace(src, dst)  # type: ignore[arg-type]

        monkeypatch.setattr("os.replace", failing_replace)
        with pytest.raises(OSError):
            build(target, out, roles)
        monkeypatch.undo()
        assert check_output(target, out, roles)[1] != []
    final = variant(tmp_path, "port", PORT)  # content neither interrupted build wrote
    build(final, out, roles)  # no file is taken for a hand edit
    assert check_output(final, out, roles)[1] == []


def test_output_of_a_sigen_without_manifests_is_taken_over(tmp_path: Path,
                                                           roles: Path) -> None:
    """An output written before manifests existed: sigen's files are replaced, others kept."""
    import shutil

    out = tmp_path / "out"
    build(ONPREM, out, roles)
    shutil.rmtree(out / ".sigen")
    (out / "site.yml").write_text("# Generated by sigen 0.0.9 from blueprint sha256:0.\n")
    (out / "mine.txt").write_text("mine\n")
    build(ONPREM, out, roles)
    assert (out / "mine.txt").read_text() == "mine\n"
    _, diags = check_output(ONPREM, out, roles)
    assert [(d.code, Path(d.path).name) for d in diags] == [("SG906", "mine.txt")]


def test_a_changed_setting_is_a_revision_with_a_date(tmp_path: Path, roles: Path) -> None:
    """A service setting changed is a change of the system: one revision says which
    setting went from what to what, dated (SOURCE_DATE_EPOCH's day here, today's in use)."""
    out = tmp_path / "out"
    build(ONPREM, out, roles)
    changed = variant(tmp_path, "aof", ("persistence: rdb", "persistence: aof"))
    result = build(changed, out, roles)
    assert result.revision is not None
    assert result.revision.changes == ("Service cache: setting persistence rdb → aof",)
    assert result.revision.date == "2026-12-06"
    table = (out / "docs" / "en" / "backup-restore-plan.md").read_text()
    assert ("| 1.1 | 2026-12-06 | Retail IT, Taipei | Service cache: setting persistence "
            "rdb → aof |") in table
    assert "| - |" not in table.split("## 1.")[0], "every revision has a date"
