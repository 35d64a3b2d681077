"""``sigen check`` and ``sigen diff``: is the output what the blueprint produces, and what
would a build change."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sigen.cli.compile import (
    blueprints_given,
    default_out,
    document_options,
    options_of,
    revision_options,
    roles_option,
)
from sigen.diagnostics import Diagnostic, format_json

__all__ = ["EXIT_PENDING", "add_commands", "run"]

Formatter = Callable[[Sequence[Diagnostic]], str]

# `sigen diff` while a build would change something. Not terraform plan -detailed-exitcode's
# 2: that is argparse's usage error, for every sigen command, and a CI job must tell "changes
# pending" from "called wrongly". Not git diff --exit-code's 1: that is an invalid blueprint.
EXIT_PENDING = 4


def add_commands(sub: Any, formats: Sequence[str]) -> None:
    from sigen.cli.help import describe

    check = sub.add_parser("check", **describe(
        "check", "exit 1 when an output folder is not exactly what its blueprint produces "
        "now (stale, missing, extra or edited files); writes nothing",
        examples=["sigen check blueprints/eshop.yml --out build/eshop",
                  "sigen check --format github      # every blueprints/*.yml, for CI"],
        codes={0: "every folder is up to date",
               1: "a folder is not up to date, a role's README is behind the role, a "
                  "blueprint is invalid, or (--evidence) a drill is not verified, stale, "
                  "overdue or failed its latest run"}))
    check.add_argument("blueprints", type=Path, nargs="*", metavar="BLUEPRINT",
                       help="blueprint files (default: blueprints/*.yml)")
    check.add_argument("--evidence", action="store_true",
                       help="also fail while a drill has never run, its latest run is "
                            "stale (what it depended on changed since) or failed, or it is "
                            "overdue; for a scheduled CI job")
    check.add_argument("--as-of", default=None, metavar="YYYY-MM-DD", dest="as_of",
                       help="the day --evidence judges overdue drills on (default: today, "
                            "UTC)")
    diff = sub.add_parser("diff", **describe(
        "diff", "show what a build would change: the files and the system; writes nothing",
        examples=["sigen diff blueprints/eshop.yml", "sigen diff blueprints/eshop.yml -u"],
        codes={0: "nothing would change", 1: "the blueprint is invalid",
               EXIT_PENDING: "changes are pending: a build would change files or the "
                             "system"}))
    diff.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    diff.add_argument("--unified", "-u", action="store_true",
                      help="show a unified diff of each changed file")
    for cmd in (check, diff):
        cmd.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help="the output folder (default: build/<blueprint name>)")
        cmd.add_argument("--format", choices=formats, default="text")
        roles_option(cmd)
        revision_options(cmd)
        document_options(cmd)


def run(args: argparse.Namespace, roles_dir: Path, signature: Mapping[str, str | None],
        fmt: object) -> int:
    """Run ``check`` or ``diff``; returns the exit code (check: 1 when not up to date)."""
    if args.command == "check":
        return _check(args, roles_dir, signature, fmt)
    return _diff(args, roles_dir, signature, fmt)


def _check(args: argparse.Namespace, roles_dir: Path, signature: Mapping[str, str | None],
           fmt: object) -> int:
    from sigen.build import check_output, role_docs
    from sigen.cli.evidence import evidence_diagnostics, judged_on
    from sigen.cli.help import UsageError

    today = judged_on(args.as_of)
    blueprints = blueprints_given(args.blueprints)
    if args.out is not None and len(blueprints) != 1:
        raise UsageError("--out takes one BLUEPRINT (each blueprint's folder is "
                         "build/<blueprint name> without it)")
    everything: list[Diagnostic] = []
    rows = []
    for blueprint in blueprints:
        out = args.out if args.out is not None else default_out(blueprint)
        rendered, diags = check_output(blueprint, out, roles_dir,
                                       author=signature.get("author"),
                                       date=signature.get("date"), options=options_of(args))
        evidence = (evidence_diagnostics(blueprint, rendered.plan, today)
                    if args.evidence else [])
        rows.append({"blueprint": str(blueprint), "out": str(out),
                     "files": len(rendered.files), "up_to_date": not diags,
                     "problems": len(diags), "evidence_problems": len(evidence)})
        everything += diags + evidence
    # The roles' READMEs are made from their metadata too (sigen role-docs): a role whose
    # README says less than the role does is as stale as an output.
    readmes = role_docs(roles_dir, write=False)
    everything += readmes
    code = 0 if all(row["up_to_date"] and not row["evidence_problems"] for row in rows) \
        and not readmes else 1
    if fmt is format_json:
        from sigen.cli.results import emit

        return emit("check", code, {"outputs": rows,
                                    "role_readmes": sorted(d.path for d in readmes)},
                    everything)
    assert callable(fmt)
    sys.stdout.write(fmt(everything))
    for row in rows:
        if row["up_to_date"]:
            print(f"sigen: {row['out']} is up to date with {row['blueprint']} "
                  f"({row['files']} files)", file=sys.stderr)
        elif row["problems"]:
            print(f"sigen: {row['out']} is not what {row['blueprint']} produces: "
                  f"{row['problems']} problem{'s' if row['problems'] != 1 else ''}; run "
                  f"sigen build", file=sys.stderr)
        if row["evidence_problems"]:
            print(f"sigen: the drills of {row['blueprint']} need attention: "
                  f"{row['evidence_problems']} problem"
                  f"{'s' if row['evidence_problems'] != 1 else ''} on {today}",
                  file=sys.stderr)
    return code


def _diff(args: argparse.Namespace, roles_dir: Path, signature: Mapping[str, str | None],
          fmt: object) -> int:
    from sigen.build import preview
    from sigen.sync.check import unified_diff

    out = args.out if args.out is not None else default_out(args.blueprint)
    rendered, result = preview(args.blueprint, out, roles_dir, author=signature.get("author"),
                               date=signature.get("date"), options=options_of(args))
    system = list(rendered.changes) or (list(rendered.new_revision.changes)
                                        if rendered.new_revision is not None else [])
    pending = bool(result.created or result.changed or result.deleted)
    code = EXIT_PENDING if pending else 0
    if fmt is format_json:
        from sigen.cli.results import emit

        revision = rendered.new_revision
        return emit("diff", code, {
            "blueprint": str(args.blueprint), "out": str(out), "pending": pending,
            "created": list(result.created), "changed": list(result.changed),
            "deleted": list(result.deleted), "unchanged": result.unchanged,
            "kept": list(result.kept), "system": system,
            "revision": None if revision is None else revision.version})
    print(f"Files: {len(result.created)} created, {len(result.changed)} changed, "
          f"{len(result.deleted)} deleted, {result.unchanged} unchanged")
    for label, rels in (("created", result.created), ("changed", result.changed),
                        ("deleted", result.deleted)):
        for rel in rels:
            print(f"  {label:8} {rel}")
    for rel in result.kept:
        print(f"  kept     {rel} (no longer produced, edited by hand: left in place)")
    print("System:")
    for line in system or ["no change"]:
        print(f"  {line}")
    if rendered.new_revision is not None:
        print(f"  (the plans would gain revision {rendered.new_revision.version})")
    if args.unified:
        sys.stdout.write(unified_diff(rendered.files, out,
                                      [*result.created, *result.changed, *result.deleted]))
    return code
