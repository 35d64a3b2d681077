"""Command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 invalid blueprint or a failed run (diagnostics printed), 2 usage
error (``sigen diff``: also changes pending), 3 unexpected failure (a short message;
``SIGEN_DEBUG=1`` shows the traceback), 130 interrupted. Each command's ``--help`` lists
its own (``sigen.cli.help``; docs/cli.md has the table).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Sequence

from sigen import __version__
from sigen.cli.help import UsageError
from sigen.diagnostics import Diagnostic, SigenError, format_github, format_json, format_text

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_UNEXPECTED", "EXIT_USAGE", "command_name",
           "io_diagnostic", "main", "parser", "print_diagnostics", "signature"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_UNEXPECTED = 0, 1, 2, 3

_FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}


def parser() -> argparse.ArgumentParser:
    """The whole command line (also what ``sigen completion`` completes)."""
    top = argparse.ArgumentParser(
        prog="sigen",
        description="Compile a system blueprint into an Ansible project and its plans.",
        epilog="Run sigen COMMAND --help for what a command does, an example and its exit "
        "codes. Start a project with: sigen init DIR",
    )
    top.add_argument("-V", "--version", action="version", version=f"sigen {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from sigen.cli import compile as compile_cli
    from sigen.cli import completion as completion_cli
    from sigen.cli import init as init_cli
    from sigen.cli import lab as lab_cli
    from sigen.cli import migrate as migrate_cli
    from sigen.cli import recovery as recovery_cli
    from sigen.cli import sync as sync_cli

    init_cli.add_commands(sub, ["json", "text"])
    compile_cli.add_commands(sub, sorted(_FORMATTERS))
    sync_cli.add_commands(sub, sorted(_FORMATTERS))
    migrate_cli.add_commands(sub, ["json", "text"])
    lab_cli.add_commands(sub)
    recovery_cli.add_commands(sub)
    completion_cli.add_commands(sub)
    return top


def command_name(args: argparse.Namespace) -> str:
    """``lab up`` for the lab's actions, else the command."""
    action = getattr(args, "lab_command", None)
    return f"{args.command} {action}" if args.command == "lab" and action else str(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sigen command line; returns the exit code."""
    top = parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # `sigen deploy BLUEPRINT --env lab -- --limit db01`: the words after `--` are
    # ansible-playbook's own options.
    passed: list[str] = []
    if "--" in words:
        at = words.index("--")
        words, passed = words[:at], words[at + 1:]
    try:
        args = top.parse_args(words)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if passed:
        if not hasattr(args, "ansible_args"):
            print(f"sigen {args.command}: takes no ansible-playbook options after --",
                  file=sys.stderr)
            return EXIT_USAGE
        args.ansible_args = passed
    fmt = _FORMATTERS.get(getattr(args, "format", "text"), format_text)
    # `plan --format json` prints the plan itself (docs/plan.md), not a result envelope.
    envelope = fmt is format_json and args.command != "plan"
    try:
        return _run(args, fmt)
    except SigenError as exc:
        return _failed(args, envelope, fmt, exc.diagnostics)
    except UsageError as exc:
        print(f"sigen {command_name(args)}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("sigen: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # the disk, not sigen: say what failed and what to do
        return _failed(args, envelope, fmt, [io_diagnostic(exc)])
    except Exception as exc:  # the one boundary: never a traceback for the user
        if os.environ.get("SIGEN_DEBUG"):
            traceback.print_exc()
        print(f"sigen: internal error: {type(exc).__name__}: {exc} "
              "(run with SIGEN_DEBUG=1 for details and report it)", file=sys.stderr)
        return EXIT_UNEXPECTED


def _failed(args: argparse.Namespace, envelope: bool, fmt: object,
            diags: Sequence[Diagnostic]) -> int:
    """Report the diagnostics that stopped the command; exit 1."""
    if envelope:
        from sigen.cli.results import emit

        return emit(command_name(args), EXIT_INVALID, diagnostics=diags)
    print_diagnostics(diags, fmt if fmt is not format_json else format_text)
    return EXIT_INVALID


# What to do about the errors a disk gives, by errno.
_IO_ADVICE = {
    errno.ENOSPC: "the disk is full: free space there, or build into another folder",
    errno.EDQUOT: "the disk quota is used up: free space, or build into another folder",
    errno.EROFS: "the file system is read-only: build into a folder on a writable disk",
    errno.EACCES: "permission denied: build into a folder you may write, or fix its "
                  "permissions",
    errno.EPERM: "not permitted: build into a folder you may write",
    errno.ENOTDIR: "a part of the path is a file, not a folder: give a folder",
    errno.EISDIR: "a folder stands where a file belongs: remove it or give another folder",
    errno.ENOENT: "a folder on the way does not exist and cannot be made: check the path",
    errno.ENAMETOOLONG: "the path is too long: give a shorter output folder",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and try again",
}


def io_diagnostic(exc: OSError) -> Diagnostic:
    """SG910 for an error of the disk: which file, what the system said, what to do."""
    where = exc.filename if exc.filename is not None else "sigen"
    said = exc.strerror or str(exc)
    advice = _IO_ADVICE.get(exc.errno or 0, "check the disk and the path, then try again")
    return Diagnostic(str(where), 0, 0, "SG910",
                      f"cannot read or write {where}: {said} (errno {exc.errno}); {advice}. "
                      "A build that fails here leaves the previous output as it was")


def print_diagnostics(diags: Sequence[Diagnostic], fmt: object) -> None:
    """The diagnostics as text or GitHub annotations, and the count on standard error."""
    assert callable(fmt)
    sys.stdout.write(fmt(diags))
    errors = sum(1 for d in diags if d.severity == "error")
    if errors:
        print(f"{errors} error{'s' if errors != 1 else ''}", file=sys.stderr)


def _run(args: argparse.Namespace, fmt: object) -> int:
    from sigen.compile.library import roles_dir as default_roles

    roles_dir = args.roles if getattr(args, "roles", None) is not None else default_roles()
    if args.command == "init":
        from sigen.cli import init as init_cli

        return init_cli.run(args)
    if args.command == "completion":
        from sigen.cli import completion as completion_cli

        return completion_cli.run(args, parser())
    if args.command == "migrate":
        from sigen.cli import migrate as migrate_cli

        return migrate_cli.run(args, roles_dir)
    if args.command in ("validate", "schema", "build", "plan", "role-docs"):
        from sigen.cli import compile as compile_cli

        return compile_cli.run(args, roles_dir, fmt)
    if args.command in ("check", "diff"):
        from sigen.cli import sync as sync_cli

        return sync_cli.run(args, roles_dir, signature(args), fmt)
    if args.command in ("lab", "deploy", "patch", "verify", "inventory"):
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
