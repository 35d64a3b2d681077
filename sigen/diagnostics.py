"""One diagnostic type for every stage, and the one exception that carries diagnostics.

A diagnostic is a position in a file plus a stable code and a message that says what is
wrong and how to fix it. Diagnostics sort by (path, line, col, code, message), so the
same input always prints the same output. Every code is listed in ``CODES`` (and in
docs/diagnostics.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["CODES", "Diagnostic", "SigenError", "about_file", "format_github", "format_json",
           "format_text"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding at ``path:line:col`` (1-based). Line 0 means the finding is about the path
    as a whole, which is no file to point into (a missing file, a folder, an option, the
    lab): it prints as ``path: CODE message``, never with a made-up ``:0:0``."""

    path: str
    line: int
    col: int
    code: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        warning = "warning: " if self.severity == "warning" else ""
        where = f"{self.path}:{self.line}:{self.col}" if self.line > 0 else self.path
        return f"{where}: {self.code} {warning}{self.message}"


def about_file(path: Path | str, code: str, message: str,
               severity: str = "error") -> Diagnostic:
    """A finding about a whole file: at its line 1, column 1 when the file is there (editors
    and pre-commit jump to it), about the path alone when it is not."""
    line = 1 if Path(path).is_file() else 0
    return Diagnostic(str(path), line, line, code, message, severity)


class SigenError(Exception):
    """Raised by library code when input cannot be used; carries the diagnostics.

    Library code raises this and never prints or exits; the CLI maps it to exit code 1.
    """

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(diagnostics))
        super().__init__(format_text(self.diagnostics) or "sigen error")


def format_text(diags: Iterable[Diagnostic]) -> str:
    """One ``path:line:col: CODE message`` line per diagnostic, newline-terminated."""
    return "".join(f"{d}\n" for d in diags)


def format_json(diags: Iterable[Diagnostic]) -> str:
    """A JSON list of diagnostic objects (stable key order), newline-terminated."""
    return json.dumps([asdict(d) for d in diags], indent=2, ensure_ascii=False) + "\n"


def format_github(diags: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow annotations (``::error file=...``)."""
    lines = []
    for d in diags:
        message = d.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        where = f"file={d.path},line={d.line},col={d.col}" if d.line > 0 else f"file={d.path}"
        lines.append(f"::{d.severity} {where},title={d.code}::{message}\n")
    return "".join(lines)


# Every diagnostic code sigen emits, with a one-line title. docs/diagnostics.md explains
# each one; tests check that every code here has an error snapshot.
CODES: dict[str, str] = {
    # Reading the file
    "SG001": "file cannot be read",
    "SG002": "file is not UTF-8 text",
    "SG003": "file is empty",
    "SG004": "YAML syntax error",
    "SG005": "duplicate key in a mapping",
    "SG006": "runaway anchors and aliases, or nesting too deep",
    "SG007": "document is not a mapping",
    "SG008": "more than one YAML document",
    "SG009": "unsupported %YAML directive",
    "SG010": "unquoted YAML 1.1 boolean (yes/no/on/off)",
    "SG011": "mapping key that is not text",
    "SG012": "blueprint file too large",
    # Structure (the schema)
    "SG101": "required field missing",
    "SG102": "unknown field",
    "SG103": "wrong type",
    "SG104": "value not allowed",
    "SG105": "number out of range",
    "SG106": "invalid name",
    "SG107": "invalid duration",
    "SG108": "invalid time of day",
    "SG109": "invalid IP address or network",
    "SG110": "list too short",
    "SG111": "unsupported blueprint format version",
    "SG112": "required environment missing",
    "SG113": "fields that exclude each other, or a field that needs another",
    "SG114": "text too long",
    # Names and references
    "SG201": "duplicate name",
    "SG202": "unknown reference",
    "SG203": "unknown component (no such role)",
    "SG204": "reference to the wrong kind of thing",
    # Addressing
    "SG301": "address outside its network",
    "SG302": "duplicate address",
    "SG303": "interface on a network of another site",
    "SG310": "two things occupy the same rack units",
    "SG311": "rack position beyond the rack's height",
    "SG312": "rack or switch at another site",
    "SG313": "switch port cabled twice",
    # Services
    "SG401": "service dependency cycle",
    "SG402": "unknown service setting",
    "SG403": "service setting rejected by the role",
    "SG404": "required setting missing",
    # Virtualisation
    "SG501": "virtual machine placed on a host that is not a hypervisor",
    "SG502": "hypervisor capacity oversubscribed",
    # Backups and drills
    "SG601": "backup stored on the host it protects",
    "SG602": "backup schedule cannot meet the RPO",
    "SG603": "backup destination does not run a backup server",
    "SG604": "drill recovery target cannot run the service",
    "SG605": "drill target or recovery place does not fit the scenario",
    "SG606": "drill takes a service down and does not say how it comes back",
    "SG607": "automatic updates and reboots outside the maintenance window",
    "SG608": "two backup policies on one host",
    "SG609": "backup copy host is not a second backup server",
    # Secrets and security
    "SG701": "literal secret in the blueprint",
    "SG702": "not an SSH public key",
    "SG703": "a hardening exception that does not fit its control",
    # Documents
    "SG801": "one person prepares and approves the same document",
    "SG802": "document template file not found",
    "SG803": "the documents cannot be written in a format",
    "SG804": "a task nobody is responsible for",
    "SG805": "unknown price catalog entry, or a new one given incompletely",
    "SG806": "reporting lines go round in a circle",
    # The output folder
    "SG901": "output folder cannot be written safely",
    "SG902": "generated file edited by hand (or not written by sigen)",
    "SG903": "another build is writing the output folder",
    "SG904": "generated file out of date",
    "SG905": "generated file missing",
    "SG906": "file the blueprint does not produce",
    "SG907": "output folder without a valid manifest, or an interrupted build",
    "SG908": "revision date is not a date",
    "SG909": "revision history cannot be read",
    "SG910": "the disk refused a read or a write",
    "SG911": "a folder inside the output folder is a symbolic link",
    "SG912": "sigen init would overwrite a file",
    # The evidence of the runs (sigen check --evidence)
    "SG920": "a drill has never run",
    "SG921": "a drill's latest run no longer proves the system (stale)",
    "SG922": "a drill is overdue",
    "SG923": "a drill's latest run failed",
    "SG924": "a measured record is damaged or was edited",
    # The lab and runs against an environment
    "SG950": "the lab cannot be brought up, inspected or removed",
    "SG951": "no such environment, or the lab is not up",
    "SG952": "ansible-playbook cannot be found",
    "SG953": "no such backup policy, service, host, drill, snapshot or patch batch",
    "SG954": "drills run only on the lab",
}
