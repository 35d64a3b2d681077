"""sigen migrate: blueprints of an older format are upgraded in place, keeping the
architect's comments, order, quoting and layout byte for byte outside the changed words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigen import cli
from sigen.compile.migrations import FORMAT, MIGRATIONS, migrate_text

REPO = Path(__file__).resolve().parent.parent
COMMENTED = REPO / "tests" / "migrate" / "commented-format-1.yml"

# The only lines format 1 -> 2 changes in the commented blueprint (1-based), as they become.
CHANGED = {
    3: "sigen: 2   # format of 2025",
    109: "    fails: db01      # the primary; see the runbook, section 4",
    116: '  - {name: "database-corruption", scenario: data-corruption, "fails": db01, '
         "recover_on: db01, restore: [database-nightly], frequency: annually, "
         "success: {rto: 2h, rpo: 24h}}",
    119: "    'fails': 'db01'   # single-quoted, every word",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_older_format_has_its_migration() -> None:
    assert sorted(MIGRATIONS) == list(range(1, FORMAT))


def test_migration_changes_only_the_renamed_words() -> None:
    before = COMMENTED.read_text("utf-8")
    migrated = migrate_text(before)
    assert migrated.source == 1
    old, new = before.split("\n"), migrated.text.split("\n")
    assert len(old) == len(new)
    changed = {i + 1: b for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b}
    assert changed == CHANGED
    assert [c.split(":")[0] for c in migrated.changes] == [
        "line 3", "line 109", "line 116", "line 119"]
    # Migrating again changes nothing.
    again = migrate_text(migrated.text)
    assert again.text == migrated.text and again.changes == () and again.source == FORMAT


def test_an_aliased_drill_is_renamed_once() -> None:
    text = ("sigen: 1\nx: &d {name: a, target: db01}\ndrills:\n  - *d\n  - *d\n")
    assert migrate_text(text).text == (
        "sigen: 2\nx: &d {name: a, fails: db01}\ndrills:\n  - *d\n  - *d\n")


def test_cli_migrates_in_place_after_check_and_diff_wrote_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blueprint = tmp_path / "shop.yml"
    blueprint.write_bytes(COMMENTED.read_bytes())
    # Format 1 is refused by validate, with the way out.
    code, out, _ = run(capsys, "validate", str(blueprint))
    assert code == 1 and "SG111" in out and "sigen migrate" in out

    code, out, err = run(capsys, "migrate", "--check", str(blueprint))
    assert code == 1 and "would migrate" in err
    code, out, _ = run(capsys, "migrate", "--diff", str(blueprint))
    assert code == 0 and "-sigen: 1   # format of 2025\n+sigen: 2   # format of 2025" in out
    assert blueprint.read_bytes() == COMMENTED.read_bytes()

    code, out, err = run(capsys, "migrate", "--format", "json", str(blueprint))
    (row,) = json.loads(out)["blueprints"]
    assert code == 0 and row["from"] == 1 and row["to"] == FORMAT and row["written"]
    assert blueprint.read_text("utf-8") == migrate_text(COMMENTED.read_text("utf-8")).text
    assert run(capsys, "validate", str(blueprint))[0] == 0
    assert run(capsys, "migrate", "--check", str(blueprint))[0] == 0


def test_a_blueprint_invalid_after_migration_is_left_as_it_was(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blueprint = tmp_path / "shop.yml"
    text = COMMENTED.read_text("utf-8").replace("recover_on: db02", "recover_on: db09")
    blueprint.write_text(text, "utf-8")
    code, out, err = run(capsys, "migrate", str(blueprint))
    assert code == 1 and "db09" in out + err and "Traceback" not in out + err
    assert blueprint.read_text("utf-8") == text
