"""``--format json``: what a command did, as one JSON object on standard output.

Every command that reports something prints the same envelope (docs/cli.md describes each
command's fields; the keys are stable: new keys may come, none change meaning):

    {"format_version": 1, "command": "check", "ok": false, "exit_code": 1,
     ...the command's own fields..., "diagnostics": [{path, line, col, code, message,
     severity}, ...]}

A command that fails before it has results (an invalid blueprint, a missing environment)
prints the envelope with its diagnostics only. Progress and the output of Ansible go to
standard error then, so standard output stays one JSON document.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from sigen.diagnostics import Diagnostic

__all__ = ["FORMAT_VERSION", "emit", "result"]

FORMAT_VERSION = 1


def result(command: str, exit_code: int, fields: Mapping[str, Any] | None = None,
           diagnostics: Sequence[Diagnostic] = ()) -> dict[str, Any]:
    """The envelope of one command's result."""
    return {"format_version": FORMAT_VERSION, "command": command, "ok": exit_code == 0,
            "exit_code": exit_code, **(fields or {}),
            "diagnostics": [asdict(d) for d in diagnostics]}


def emit(command: str, exit_code: int, fields: Mapping[str, Any] | None = None,
         diagnostics: Sequence[Diagnostic] = ()) -> int:
    """Print ``result(...)`` as indented JSON; returns ``exit_code``."""
    sys.stdout.write(json.dumps(result(command, exit_code, fields, diagnostics), indent=2,
                                ensure_ascii=False) + "\n")
    return exit_code
