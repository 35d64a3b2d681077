"""``sigen validate``, ``schema``, ``build`` and ``plan``: compile a blueprint and say what came
of it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "blueprints_given", "default_out", "document_options", "options_of",
           "revision_options", "roles_option", "run"]


def roles_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--roles", type=Path, default=None, metavar="DIR",
                     help="role library (default: the one sigen ships; in a checkout, its roles/)")


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


def blueprints_given(given: Sequence[Path]) -> list[Path]:
    """The blueprints named, else every ``blueprints/*.yml`` (and ``*.yaml``) here: the
    layout ``sigen init`` makes, so hooks and CI need no arguments."""
    if given:
        return list(given)
    found = sorted({*Path("blueprints").glob("*.yml"), *Path("blueprints").glob("*.yaml")})
    if not found:
        from sigen.cli.help import UsageError

        raise UsageError("no BLUEPRINT given, and there is no blueprints/*.yml here")
    return found


def default_out(blueprint: Path) -> Path:
    """Where a blueprint's project goes unless --out says: ``build/<blueprint name>``."""
    return Path("build") / blueprint.stem


def add_commands(sub: Any, formats: Sequence[str]) -> None:
    from sigen.cli.help import describe

    validate = sub.add_parser("validate", **describe(
        "validate", "check blueprints and print every problem at once, as "
        "file:line:col: CODE message; writes nothing",
        examples=["sigen validate blueprints/eshop.yml",
                  "sigen validate --format github      # every blueprints/*.yml, for CI"],
        codes={0: "every blueprint is valid (warnings may be printed)",
               1: "a blueprint is invalid: the diagnostics say where and how to fix it"}))
    validate.add_argument("blueprints", type=Path, nargs="*", metavar="BLUEPRINT",
                          help="blueprint files (default: blueprints/*.yml)")
    validate.add_argument("--format", choices=formats, default="text")
    roles_option(validate)

    schema = sub.add_parser("schema", **describe(
        "schema", "print the blueprint's JSON Schema (for editors: completion and checks of "
        "every field and role setting)",
        examples=["sigen schema > blueprints/blueprint.schema.json"],
        codes={0: "the schema was printed"},
        details="Point the blueprint at it with a first line\n"
                "  # yaml-language-server: $schema=blueprint.schema.json"))
    roles_option(schema)

    build = sub.add_parser("build", **describe(
        "build", "compile a blueprint into its Ansible project and documents in DIR, "
        "writing only what changes",
        examples=["sigen build blueprints/eshop.yml                 # into build/eshop/",
                  "sigen build blueprints/eshop.yml --out eshop --formats md,pdf"],
        codes={0: "built (or already up to date: nothing written)",
               1: "the blueprint is invalid, a generated file was edited by hand, or the "
                  "folder cannot be written: nothing written"}))
    build.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    build.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help="the output folder (default: build/<blueprint name>)")
    build.add_argument("--format", choices=formats, default="text")
    roles_option(build)
    build.add_argument("--force", action="store_true",
                       help="overwrite generated files edited by hand")
    build.add_argument("--keep-edits", action="store_true",
                       help="leave files edited by hand and write the new version beside "
                       "each as <file>.new")
    revision_options(build)
    document_options(build)

    plan = sub.add_parser("plan", **describe(
        "plan", "print the plan of a blueprint: every fact the playbooks and documents are "
        "made from (docs/plan.md); writes nothing",
        examples=["sigen plan blueprints/eshop.yml",
                  "sigen plan blueprints/eshop.yml --format json | jq '.install[].id'"],
        codes={0: "the plan was printed", 1: "the blueprint is invalid"}))
    plan.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    plan.add_argument("--format", choices=["json", "text"], default="text",
                      help="json: the complete plan, stable key order; text: a summary")
    plan.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="a built project whose records (verify and drill runs) the plan "
                      "takes in")
    roles_option(plan)

    docs = sub.add_parser("role-docs", **describe(
        "role-docs", "write each role's README.md from its metadata, argument specs and "
        "molecule scenarios (the sources of the component documents)",
        examples=["sigen role-docs", "sigen role-docs --check    # in CI"],
        codes={0: "every README is up to date (now, or already with --check)",
               1: "(--check) a README is missing or out of date"}))
    docs.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 when a README is missing or out of date")
    docs.add_argument("--format", choices=formats, default="text")
    roles_option(docs)


def run(args: argparse.Namespace, roles_dir: Path, fmt: object) -> int:
    from sigen.cli import signature
    from sigen.diagnostics import format_json

    if args.command == "schema":
        from sigen.compile.schema_export import json_schema_text

        sys.stdout.write(json_schema_text(roles_dir))
        return 0
    if args.command == "validate":
        return _validate(args, roles_dir, fmt)
    if args.command == "plan":
        return _plan(args, roles_dir)
    if args.command == "role-docs":
        from sigen.build import role_docs

        stale = role_docs(roles_dir, write=not args.check)
        code = 1 if stale else 0
        if fmt is format_json:
            from sigen.cli.results import emit

            return emit("role-docs", code, {"check": args.check,
                                            "stale": sorted({d.path for d in stale})}, stale)
        from sigen.cli import print_diagnostics

        print_diagnostics(stale, fmt)
        return code
    from sigen.sync.incremental import unchanged_output

    if args.out is None:
        args.out = default_out(args.blueprint)
    options = options_of(args)
    # Before importing the pipeline: an unchanged output costs a few stat calls.
    files = unchanged_output(args.blueprint, args.out, roles_dir,
                             None if options is None else options.text())
    if files is not None:
        if fmt is format_json:
            return _build_json(args, files, None)
        print(f"sigen: {args.out} is up to date with {args.blueprint} ({files} files, "
              "nothing written)")
        return 0
    from sigen.build import build

    signed = signature(args)
    result = build(args.blueprint, args.out, roles_dir, force=args.force,
                   keep_edits=args.keep_edits, options=options,
                   author=signed["author"], date=signed["date"])
    if fmt is format_json:
        return _build_json(args, result.files, result)
    _report_build(args, result)
    return 0


def _validate(args: argparse.Namespace, roles_dir: Path, fmt: object) -> int:
    from sigen.build import plan_for
    from sigen.cli import print_diagnostics
    from sigen.compile.loader import load_blueprint
    from sigen.compile.validate import validate_blueprint
    from sigen.diagnostics import Diagnostic, SigenError, format_json

    everything: list[Diagnostic] = []
    rows = []
    for blueprint in blueprints_given(args.blueprints):
        try:
            loaded = load_blueprint(blueprint)
        except SigenError as exc:
            diags = list(exc.diagnostics)
        else:
            diags = validate_blueprint(loaded, roles_dir)
            if not any(d.severity == "error" for d in diags):
                # What needs the plan's facts (what a drill takes down) is checked on it.
                from sigen.compile.plan_checks import check_plan

                try:
                    plan = plan_for(loaded, roles_dir)
                except SigenError as exc:
                    diags = sorted([*diags, *exc.diagnostics])
                else:  # what the plan's checks only warn about
                    diags = sorted([*diags, *check_plan(plan, loaded)])
        errors = sum(d.severity == "error" for d in diags)
        rows.append({"path": str(blueprint), "valid": not errors, "errors": errors,
                     "warnings": len(diags) - errors})
        everything += diags
    code = 1 if any(not row["valid"] for row in rows) else 0
    if fmt is format_json:
        from sigen.cli.results import emit

        return emit("validate", code, {"blueprints": rows}, everything)
    print_diagnostics(everything, fmt)
    return code


def _build_json(args: argparse.Namespace, files: int, result: Any) -> int:
    from sigen.cli.results import emit

    write = result.write if result is not None and result.plan is not None else None
    revision = result.revision if result is not None else None
    return emit("build", 0, {
        "blueprint": str(args.blueprint), "out": str(args.out), "files": files,
        "up_to_date": write is None,
        "created": list(write.created) if write else [],
        "changed": list(write.changed) if write else [],
        "deleted": list(write.deleted) if write else [],
        "unchanged": write.unchanged if write else files,
        "kept": list(write.kept) if write else [],
        "beside": list(write.beside) if write else [],
        "revision": None if revision is None else {"version": revision.version,
                                                   "changes": list(revision.changes)},
    })


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
