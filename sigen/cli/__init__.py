"""Command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 invalid blueprint (diagnostics printed), 2 usage error,
3 unexpected failure (a short message; ``SIGEN_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from sigen import __version__
from sigen.diagnostics import Diagnostic, SigenError, format_github, format_json, format_text

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_UNEXPECTED", "EXIT_USAGE", "io_diagnostic", "main",
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
    except OSError as exc:  # the disk, not sigen: say what failed and what to do
        print_diagnostics([io_diagnostic(exc)], fmt)
        return EXIT_INVALID
    except Exception as exc:  # the one boundary: never a traceback for the user
        if os.environ.get("SIGEN_DEBUG"):
            traceback.print_exc()
        print(f"sigen: internal error: {type(exc).__name__}: {exc} "
              "(run with SIGEN_DEBUG=1 for details and report it)", file=sys.stderr)
        return EXIT_UNEXPECTED


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
    if args.command in ("validate", "schema", "build", "plan", "role-docs"):
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
