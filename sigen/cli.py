"""Command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 invalid blueprint (diagnostics printed), 2 usage error,
3 unexpected failure (a short message; ``SIGEN_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sigen import __version__
from sigen.diagnostics import Diagnostic, SigenError, format_github, format_json, format_text

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_UNEXPECTED = 0, 1, 2, 3

_FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}


def _default_roles_dir() -> Path:
    """roles/ of the repository sigen runs from, else roles/ in the working directory."""
    here = Path(__file__).resolve().parent.parent / "roles"
    return here if here.is_dir() else Path("roles")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigen",
        description="Compile a system blueprint into an Ansible project and its plans.",
    )
    parser.add_argument("--version", action="version", version=f"sigen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check a blueprint and print every problem")
    validate.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    validate.add_argument("--format", choices=sorted(_FORMATTERS), default="text")
    validate.add_argument("--roles", type=Path, default=None, metavar="DIR",
                          help="role library (default: the repository's roles/)")

    sub.add_parser("schema", help="print the blueprint JSON Schema (for editors)")

    build = sub.add_parser("build", help="compile a blueprint into DIR")
    build.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
    build.add_argument("--out", type=Path, required=True, metavar="DIR")
    build.add_argument("--format", choices=sorted(_FORMATTERS), default="text")
    build.add_argument("--roles", type=Path, default=None, metavar="DIR",
                       help="role library (default: the repository's roles/)")
    _add_sync_commands(sub, build)
    from sigen import lab_cli, recovery_cli

    lab_cli.add_commands(sub)
    recovery_cli.add_commands(sub)
    return parser


def _add_sync_commands(sub: Any, build: argparse.ArgumentParser) -> None:
    """build's options for safe regeneration and the revision history; check and diff."""
    build.add_argument("--force", action="store_true",
                       help="overwrite generated files edited by hand")
    build.add_argument("--keep-edits", action="store_true",
                       help="leave files edited by hand and write the new version beside "
                       "each as <file>.new")
    _revision_options(build)
    check = sub.add_parser("check", help="exit 1 when DIR is not exactly what BLUEPRINT "
                           "produces now (stale, missing, extra or edited files); writes "
                           "nothing")
    diff = sub.add_parser("diff", aliases=["plan"], help="what a build would change: the "
                          "files and the system; writes nothing")
    diff.add_argument("--unified", "-u", action="store_true",
                      help="show a unified diff of each changed file")
    for cmd in (check, diff):
        cmd.add_argument("blueprint", type=Path, metavar="BLUEPRINT")
        cmd.add_argument("--out", type=Path, required=True, metavar="DIR")
        cmd.add_argument("--format", choices=sorted(_FORMATTERS), default="text")
        cmd.add_argument("--roles", type=Path, default=None, metavar="DIR",
                         help="role library (default: the repository's roles/)")
        _revision_options(cmd)


def _revision_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--author", default=None, help="author of the revision a changed "
                     "system adds to the plans (default: $SIGEN_AUTHOR, else the owner)")
    cmd.add_argument("--date", default=None, metavar="YYYY-MM-DD",
                     help="date of that revision (default: $SIGEN_DATE, else blank)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sigen command line; returns the exit code."""
    parser = _parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # `sigen deploy BLUEPRINT --env lab -- --limit db01`: the words after `--` are
    # ansible-playbook's own options.
    passed: list[str] = []
    if "--" in words:
        at = words.index("--")
        words, passed = words[:at], words[at + 1:]
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if passed:
        if not hasattr(args, "ansible_args"):
            print(f"sigen {args.command}: takes no ansible-playbook options after --",
                  file=sys.stderr)
            return EXIT_USAGE
        args.ansible_args = passed
    fmt = _FORMATTERS[getattr(args, "format", "text")]
    try:
        return _run(args, fmt)
    except SigenError as exc:
        _print_diagnostics(exc.diagnostics, fmt)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("sigen: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the one boundary: never a traceback for the user
        if os.environ.get("SIGEN_DEBUG"):
            traceback.print_exc()
        print(f"sigen: internal error: {type(exc).__name__}: {exc} "
              "(run with SIGEN_DEBUG=1 for details and report it)", file=sys.stderr)
        return EXIT_UNEXPECTED


def _print_diagnostics(diags: Sequence[Diagnostic], fmt: object) -> None:
    if fmt is format_json:
        sys.stdout.write(format_json(diags))
    else:
        assert callable(fmt)
        sys.stdout.write(fmt(diags))
        errors = sum(1 for d in diags if d.severity == "error")
        if errors:
            print(f"{errors} error{'s' if errors != 1 else ''}", file=sys.stderr)


def _run(args: argparse.Namespace, fmt: object) -> int:
    if args.command == "schema":
        from sigen.schema_export import json_schema_text

        sys.stdout.write(json_schema_text())
        return EXIT_OK
    roles_dir = args.roles if args.roles is not None else _default_roles_dir()
    if args.command == "validate":
        from sigen.loader import load_blueprint
        from sigen.validate import validate_blueprint

        diags = validate_blueprint(load_blueprint(args.blueprint), roles_dir)
        _print_diagnostics(diags, fmt)
        if fmt is format_json and not diags:
            return EXIT_OK
        return EXIT_INVALID if any(d.severity == "error" for d in diags) else EXIT_OK
    if args.command == "build":
        from sigen.incremental import unchanged_output

        # Before importing the pipeline: an unchanged output costs a few stat calls.
        files = unchanged_output(args.blueprint, args.out, roles_dir)
        if files is not None:
            print(f"sigen: {args.out} is up to date with {args.blueprint} ({files} files, "
                  "nothing written)")
            return EXIT_OK
        from sigen.build import build  # type: ignore[import-not-found,unused-ignore]

        result = build(args.blueprint, args.out, roles_dir, force=args.force,
                       keep_edits=args.keep_edits, **_signature(args))
        _report_build(args, result)
        return EXIT_OK
    if args.command in ("check", "diff", "plan"):
        from sigen import sync_cli

        return sync_cli.run(args, roles_dir, _signature(args), fmt)
    if args.command in ("lab", "deploy", "verify"):
        from sigen import lab_cli

        return lab_cli.run(args, roles_dir)
    if args.command in ("backup", "restore", "drill"):
        from sigen import recovery_cli

        return recovery_cli.run(args, roles_dir)
    return EXIT_USAGE


def _signature(args: argparse.Namespace) -> dict[str, str | None]:
    """Author and date of a new revision: the flags, else the environment (CI sets them)."""
    return {"author": args.author or os.environ.get("SIGEN_AUTHOR") or None,
            "date": args.date or os.environ.get("SIGEN_DATE") or None}


def _report_build(args: argparse.Namespace, result: object) -> None:
    write = getattr(result, "write", None)
    files = getattr(result, "files", None)
    if write is None or getattr(result, "plan", 1) is None:
        print(f"sigen: {args.out} is up to date with {args.blueprint} ({files} files, "
              "nothing written)")
        return
    print(f"sigen: built {args.blueprint} into {args.out} ({files} files: "
          f"{len(write.created)} created, {len(write.changed)} changed, "
          f"{len(write.deleted)} deleted, {write.unchanged} unchanged)")
    for rel in write.deleted:
        print(f"  deleted  {rel}")
    for rel in write.kept:
        print(f"  kept     {rel} (no longer produced, but edited by hand: remove it yourself)")
    for rel in write.beside:
        print(f"  edited   {rel} (left as it is; the new version is {rel}.new)")
    revision = getattr(result, "revision", None)
    if revision is not None:
        print(f"  revision {revision.version} added to the plans: "
              + "; ".join(revision.changes))
