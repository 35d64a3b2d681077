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

from sigen import __version__
from sigen.diagnostics import Diagnostic, SigenError, format_github, format_json, format_text

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_UNEXPECTED", "EXIT_USAGE", "main",
           "print_diagnostics", "signature"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_UNEXPECTED = 0, 1, 2, 3

_FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}


def _default_roles_dir() -> Path:
    """roles/ of the repository sigen runs from, else roles/ in the working directory."""
    here = Path(__file__).resolve().parent.parent.parent / "roles"
    return here if here.is_dir() else Path("roles")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigen",
        description="Compile a system blueprint into an Ansible project and its plans.",
    )
    parser.add_argument("--version", action="version", version=f"sigen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from sigen.cli import compile as compile_cli
    from sigen.cli import lab as lab_cli
    from sigen.cli import recovery as recovery_cli
    from sigen.cli import sync as sync_cli

    compile_cli.add_commands(sub, sorted(_FORMATTERS))
    sync_cli.add_commands(sub, sorted(_FORMATTERS))
    lab_cli.add_commands(sub)
    recovery_cli.add_commands(sub)
    return parser


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
        print_diagnostics(exc.diagnostics, fmt)
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


def print_diagnostics(diags: Sequence[Diagnostic], fmt: object) -> None:
    if fmt is format_json:
        sys.stdout.write(format_json(diags))
    else:
        assert callable(fmt)
        sys.stdout.write(fmt(diags))
        errors = sum(1 for d in diags if d.severity == "error")
        if errors:
            print(f"{errors} error{'s' if errors != 1 else ''}", file=sys.stderr)


def _run(args: argparse.Namespace, fmt: object) -> int:
    roles_dir = args.roles if getattr(args, "roles", None) is not None else _default_roles_dir()
    if args.command in ("validate", "schema", "build", "plan"):
        from sigen.cli import compile as compile_cli

        return compile_cli.run(args, roles_dir, fmt)
    if args.command in ("check", "diff"):
        from sigen.cli import sync as sync_cli

        return sync_cli.run(args, roles_dir, signature(args), fmt)
    if args.command in ("lab", "deploy", "verify"):
        from sigen.cli import lab as lab_cli

        return lab_cli.run(args, roles_dir)
    if args.command in ("backup", "restore", "drill"):
        from sigen.cli import recovery as recovery_cli

        return recovery_cli.run(args, roles_dir)
    return EXIT_USAGE


def signature(args: argparse.Namespace) -> dict[str, str | None]:
    """Author and date of a new revision: the flags, else the environment (CI sets them)."""
    return {"author": args.author or os.environ.get("SIGEN_AUTHOR") or None,
            "date": args.date or os.environ.get("SIGEN_DATE") or None}
