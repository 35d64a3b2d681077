"""``sigen migrate BLUEPRINT``: upgrade blueprints to the current format, in place.

The migrations (``sigen.compile.migrations``) edit only the words that change, so comments,
order, quoting and layout stay as the architect wrote them. The migrated blueprint is
validated before anything is written; a file is replaced atomically (a temporary file
beside it, then a rename), so a reader never sees half of it.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "run"]


def add_commands(sub: Any, formats: Any) -> None:
    from sigen.cli.help import describe

    cmd = sub.add_parser("migrate", **describe(
        "migrate", "upgrade blueprints to the current format in place, keeping their "
        "comments, order and quoting",
        examples=["sigen migrate blueprints/eshop.yml",
                  "sigen migrate --diff blueprints/eshop.yml    # show, write nothing",
                  "sigen migrate --check      # every blueprints/*.yml, for CI"],
        codes={0: "every blueprint is at the current format now (or --check: was already)",
               1: "a blueprint is invalid after migration (nothing written), cannot be "
                  "read, or (--check) needs migrating"},
        details="docs/migrate.md lists what each format changed."))
    cmd.add_argument("blueprints", type=Path, nargs="*", metavar="BLUEPRINT",
                     help="blueprint files (default: blueprints/*.yml)")
    cmd.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 when a blueprint needs migrating")
    cmd.add_argument("--diff", action="store_true",
                     help="write nothing; print what would change as a unified diff")
    cmd.add_argument("--format", choices=formats, default="text")
    cmd.add_argument("--roles", type=Path, default=None, metavar="DIR",
                     help="role library the migrated blueprint is validated with (default: "
                     "the one sigen ships; in a checkout, its roles/)")


def _migrated(path: Path, roles_dir: Path) -> tuple[str, str, Any]:
    """The file's text, its migrated text and the migration; raises SigenError when the
    blueprint cannot be read or is invalid after migration."""
    from sigen.build import plan_for
    from sigen.compile.loader import load_blueprint, load_text
    from sigen.compile.migrations import migrate_text
    from sigen.compile.validate import validate_blueprint
    from sigen.diagnostics import SigenError

    original = load_blueprint(path)  # a file that is no YAML mapping stops here
    text = original.text
    try:
        migrated = migrate_text(text)
    except ValueError:  # no format version to start from: say so as validate does
        raise SigenError([d for d in validate_blueprint(original, roles_dir)
                          if d.severity == "error"]) from None
    loaded = load_text(path, migrated.text.encode("utf-8"))
    errors = [d for d in validate_blueprint(loaded, roles_dir) if d.severity == "error"]
    if not errors:
        try:
            plan_for(loaded, roles_dir)
        except SigenError as exc:
            errors = list(exc.diagnostics)
    if errors:
        raise SigenError(errors)
    return text, migrated.text, migrated


def run(args: argparse.Namespace, roles_dir: Path) -> int:
    from sigen.cli.compile import blueprints_given
    from sigen.cli.results import emit
    from sigen.compile.migrations import FORMAT
    from sigen.sync.writer import atomic_write

    done = [(path, *_migrated(path, roles_dir)) for path in blueprints_given(args.blueprints)]
    pending = [row for row in done if row[1] != row[2]]
    write = not (args.check or args.diff)
    if write:
        for path, _, new, _ in pending:
            atomic_write(path, new.encode("utf-8"))
    code = 1 if args.check and pending else 0
    rows = [{"path": str(path), "from": m.source, "to": FORMAT, "changed": old != new,
             "written": write and old != new, "changes": list(m.changes)}
            for path, old, new, m in done]
    if args.format == "json":
        return emit("migrate", code, {"format": FORMAT, "blueprints": rows})
    for path, old, new, migration in done:
        if old == new:
            print(f"sigen: {path} is at format {FORMAT} already", file=sys.stderr)
            continue
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True),
                f"a/{path}", f"b/{path}"))
        verb = "migrated" if write else "would migrate"
        print(f"sigen: {verb} {path} from format {migration.source} to {FORMAT}:",
              file=sys.stderr)
        for line in migration.changes:
            print(f"  {line}", file=sys.stderr)
    return code
