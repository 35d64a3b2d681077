"""``sigen validate``, ``schema``, ``build`` and ``plan``: compile a blueprint and say what came
of it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "document_options", "options_of", "revision_options",
           "roles_option", "run"]


def roles_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--roles", type=Path, default=None, metavar="DIR",
                     help="role library (default: the repository's roles/)")


_ALLOWED = {"languages": ("zh-TW", "en"), "formats": ("md", "html", "docx", "pdf")}


def _listed(kind: str) -> Any:
    def parse(text: str) -> tuple[str, ...]:
        values = tuple(v.strip() for v in text.split(",") if v.strip())
        wrong = [v for v in values if v not in _ALLOWED[kind]]
        if wrong or not values:
            raise argparse.ArgumentTypeError(
                f"{', '.join(wrong) or 'nothing'}: give {kind} from {', '.join(_ALLOWED[kind])}"
                ", separated by commas")
        return values
    return parse


def document_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--languages", type=_listed("languages"), default=None,
                     metavar="LIST", help="documents in these languages, e.g. zh-TW,en "
                     "(default: as the folder was built, else the blueprint's)")
    cmd.add_argument("--formats", type=_listed("formats"), default=None, metavar="LIST",
                     help="documents in these formats, e.g. md,html,docx,pdf (Markdown is "
                     "always written; default: as the folder was built, else the blueprint's)")


def options_of(args: argparse.Namespace) -> Any:
    """The build options the command line gives, or None: those of the folder."""
    from sigen.build import Options

    languages, formats = getattr(args, "languages", None), getattr(args, "formats", None)
    if languages is None and formats is None:
        return None
    return Options(languages or (), formats or ())


def revision_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--author", default=None, help="author of the revision a changed "
                     "system adds to the plans (default: $SIGEN_AUTHOR, else the owner)")
    cmd.add_argument("--date", default=None, metavar="YYYY-MM-DD",
                     help="date of that revision (default: $SIGEN_DATE, else blank)")


def add_commands(sub: Any, formats: Sequence[str]) -> None:
    validate = sub.add_parser("validate", help="check a blueprint and print every problem")
    validate.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    validate.add_argument("--format", choices=formats, default="text")
    roles_option(validate)

    sub.add_parser("schema", help="print the blueprint JSON Schema (for editors)")

    build = sub.add_parser("build", help="compile a blueprint into DIR")
    build.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    build.add_argument("--out", type=Path, required=True, metavar="DIR")
    build.add_argument("--format", choices=formats, default="text")
    roles_option(build)
    build.add_argument("--force", action="store_true",
                       help="overwrite generated files edited by hand")
    build.add_argument("--keep-edits", action="store_true",
                       help="leave files edited by hand and write the new version beside "
                       "each as <file>.new")
    revision_options(build)
    document_options(build)

    plan = sub.add_parser(
        "plan", help="print the plan of a blueprint: every fact the playbooks and documents "
        "are made from (docs/plan.md); writes nothing")
    plan.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    plan.add_argument("--format", choices=["json", "text"], default="text",
                      help="json: the complete plan, stable key order; text: a summary")
    plan.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="a built project whose records (verify and drill runs) the plan "
                      "takes in")
    roles_option(plan)

    docs = sub.add_parser(
        "role-docs", help="write each role's README.md from its metadata, argument specs and "
        "molecule scenarios (the sources of the component documents)")
    docs.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 when a README is missing or out of date")
    docs.add_argument("--format", choices=formats, default="text")
    roles_option(docs)


def run(args: argparse.Namespace, roles_dir: Path, fmt: object) -> int:
    from sigen.cli import EXIT_INVALID, EXIT_OK, print_diagnostics, signature
    from sigen.diagnostics import SigenError, format_json

    if args.command == "schema":
        from sigen.compile.schema_export import json_schema_text

        sys.stdout.write(json_schema_text())
        return EXIT_OK
    if args.command == "validate":
        from sigen.compile.loader import load_blueprint
        from sigen.compile.validate import validate_blueprint

        loaded = load_blueprint(args.blueprint)
        diags = validate_blueprint(loaded, roles_dir)
        if not any(d.severity == "error" for d in diags):
            # What needs the plan's facts (what a drill takes down) is checked on the plan.
            from sigen.build import plan_for
            from sigen.compile.plan_checks import check_plan

            try:
                plan = plan_for(loaded, roles_dir)
            except SigenError as exc:
                diags = sorted([*diags, *exc.diagnostics])
            else:  # what the plan's checks only warn about
                diags = sorted([*diags, *check_plan(plan, loaded)])
        print_diagnostics(diags, fmt)
        if fmt is format_json and not diags:
            return EXIT_OK
        return EXIT_INVALID if any(d.severity == "error" for d in diags) else EXIT_OK
    if args.command == "plan":
        return _plan(args, roles_dir)
    if args.command == "role-docs":
        from sigen.build import role_docs

        stale = role_docs(roles_dir, write=not args.check)
        print_diagnostics(stale, fmt)
        return EXIT_INVALID if stale else EXIT_OK
    from sigen.sync.incremental import unchanged_output

    options = options_of(args)
    # Before importing the pipeline: an unchanged output costs a few stat calls.
    files = unchanged_output(args.blueprint, args.out, roles_dir,
                             None if options is None else options.text())
    if files is not None:
        print(f"sigen: {args.out} is up to date with {args.blueprint} ({files} files, "
              "nothing written)")
        return EXIT_OK
    from sigen.build import build

    result = build(args.blueprint, args.out, roles_dir, force=args.force,
                   keep_edits=args.keep_edits, options=options, **signature(args))
    _report_build(args, result)
    return EXIT_OK


def _plan(args: argparse.Namespace, roles_dir: Path) -> int:
    from sigen.build import plan_for
    from sigen.compile.evidence import read_evidence
    from sigen.compile.loader import load_blueprint
    from sigen.plan import Evidence
    from sigen.render.plan_json import plan_json, plan_text

    evidence = read_evidence(args.out) if args.out is not None else Evidence()
    plan = plan_for(load_blueprint(args.blueprint), roles_dir, evidence)
    sys.stdout.write(plan_json(plan) if args.format == "json" else plan_text(plan))
    return 0


def _report_build(args: argparse.Namespace, result: Any) -> None:
    write = result.write
    if result.plan is None:
        print(f"sigen: {args.out} is up to date with {args.blueprint} ({result.files} files, "
              "nothing written)")
        return
    print(f"sigen: built {args.blueprint} into {args.out} ({result.files} files: "
          f"{len(write.created)} created, {len(write.changed)} changed, "
          f"{len(write.deleted)} deleted, {write.unchanged} unchanged)")
    for rel in write.deleted:
        print(f"  deleted  {rel}")
    for rel in write.kept:
        print(f"  kept     {rel} (no longer produced, but edited by hand: remove it yourself)")
    for rel in write.beside:
        print(f"  edited   {rel} (left as it is; the new version is {rel}.new)")
    revision = result.revision
    if revision is not None:
        print(f"  revision {revision.version} added to the plans: "
              + "; ".join(revision.changes))
