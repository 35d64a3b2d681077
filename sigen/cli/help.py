"""What every command's ``--help`` says: what it does, examples, and its exit codes.

``describe`` gives the keyword arguments of ``add_parser``; it also records each command's
exit codes in ``EXIT_CODES``, the table docs/cli.md shows (a test compares the two).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["COMMON_CODES", "EXIT_CODES", "UsageError", "describe"]

# Every command may end so (sigen.cli.main maps them).
COMMON_CODES = {
    2: "usage error: a wrong option or argument (nothing was done)",
    3: "internal error of sigen (SIGEN_DEBUG=1 shows the traceback; please report it)",
    130: "interrupted (Ctrl-C)",
}
EXIT_CODES: dict[str, dict[int, str]] = {}


class UsageError(Exception):
    """Arguments that parse but cannot be used together (exit 2, like argparse's own)."""


def describe(name: str, summary: str, *, examples: list[str], codes: dict[int, str],
             details: str = "") -> dict[str, Any]:
    """``add_parser`` arguments for command ``name``: ``summary`` (one line, lower case, no
    full stop) as its help and description, ``details`` after it, then the examples and
    the exit codes (``codes`` plus ``COMMON_CODES``)."""
    clash = sorted(codes.keys() & COMMON_CODES.keys())
    if clash:  # a command's own meaning of 2 would be hidden behind "usage error"
        raise ValueError(f"{name}: exit codes {clash} are taken by every command")
    table = {**codes, **COMMON_CODES}
    EXIT_CODES[name] = dict(sorted(table.items()))
    description = summary[0].upper() + summary[1:] + "."
    if details:
        description += "\n\n" + details
    epilog = ("examples:\n" + "".join(f"  {line}\n" for line in examples)
              + "\nexit codes:\n"
              + "".join(f"  {code:<4}{text}\n" for code, text in EXIT_CODES[name].items()))
    return {"help": summary, "description": description, "epilog": epilog,
            "formatter_class": argparse.RawDescriptionHelpFormatter}
