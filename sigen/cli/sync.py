"""``sigen check`` and ``sigen diff``: is the output what the blueprint produces, and what
would a build change."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sigen.cli.compile import document_options, options_of, revision_options, roles_option
from sigen.diagnostics import Diagnostic

__all__ = ["add_commands", "run"]

Formatter = Callable[[Sequence[Diagnostic]], str]


def add_commands(sub: Any, formats: Sequence[str]) -> None:
    check = sub.add_parser("check", help="exit 1 when DIR is not exactly what BLUEPRINT "
                           "produces now (stale, missing, extra or edited files); writes "
                           "nothing")
    diff = sub.add_parser("diff", help="what a build would change: the files and the system; "
                          "writes nothing")
    diff.add_argument("--unified", "-u", action="store_true",
                      help="show a unified diff of each changed file")
    for cmd in (check, diff):
        cmd.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
        cmd.add_argument("--out", type=Path, required=True, metavar="DIR")
        cmd.add_argument("--format", choices=formats, default="text")
        roles_option(cmd)
        revision_options(cmd)
        document_options(cmd)


def run(args: argparse.Namespace, roles_dir: Path, signature: Mapping[str, str | None],
        fmt: object) -> int:
    """Run ``check`` or ``diff``; returns the exit code (check: 1 when not up to date)."""
    from sigen.build import check_output, preview
    from sigen.sync.check import unified_diff

    author, date = signature.get("author"), signature.get("date")
    if args.command == "check":
        rendered, diags = check_output(args.blueprint, args.out, roles_dir, author=author,
                                       date=date, options=options_of(args))
        assert callable(fmt)
        sys.stdout.write(fmt(diags))
        if diags:
            print(f"sigen: {args.out} is not what {args.blueprint} produces: {len(diags)} "
                  f"problem{'s' if len(diags) != 1 else ''}; run sigen build", file=sys.stderr)
            return 1
        print(f"sigen: {args.out} is up to date with {args.blueprint} "
              f"({len(rendered.files)} files)", file=sys.stderr)
        return 0
    rendered, result = preview(args.blueprint, args.out, roles_dir, author=author, date=date,
                               options=options_of(args))
    print(f"Files: {len(result.created)} created, {len(result.changed)} changed, "
          f"{len(result.deleted)} deleted, {result.unchanged} unchanged")
    for label, rels in (("created", result.created), ("changed", result.changed),
                        ("deleted", result.deleted)):
        for rel in rels:
            print(f"  {label:8} {rel}")
    for rel in result.kept:
        print(f"  kept     {rel} (no longer produced, edited by hand: left in place)")
    print("System:")
    if rendered.new_revision is not None and not rendered.changes:
        print(f"  {'; '.join(rendered.new_revision.changes)}")
    elif rendered.changes:
        for line in rendered.changes:
            print(f"  {line}")
    else:
        print("  no change")
    if rendered.new_revision is not None:
        print(f"  (the plans would gain revision {rendered.new_revision.version})")
    if args.unified:
        sys.stdout.write(unified_diff(rendered.files, args.out,
                                      [*result.created, *result.changed, *result.deleted]))
    return 0
