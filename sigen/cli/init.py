"""``sigen init [DIR]``: start a project, as copier and cookiecutter users expect.

It writes a commented blueprint that validates as it is (with the JSON Schema beside it for
editors), a pre-commit configuration, a CI workflow and a README saying what to do next.
It never overwrites: when any of those files exists, it writes none of them.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "project_files", "run"]

_SKELETON = Path(__file__).resolve().parent.parent / "data" / "init"
_SCHEMA = "blueprint.schema.json"


def add_commands(sub: Any, formats: Any) -> None:
    from sigen.cli.help import describe

    init = sub.add_parser("init", **describe(
        "init", "start a project in DIR: a commented blueprint, its schema, pre-commit, CI "
        "and a README with the next steps; overwrites nothing",
        examples=["sigen init eshop", "sigen init --name eshop ."],
        codes={0: "the files were written", 1: "a file exists already (nothing written)"}))
    init.add_argument("dir", type=Path, nargs="?", default=Path("."), metavar="DIR",
                      help="the project folder (default: the current one)")
    init.add_argument("--name", default=None,
                      help="the system's short name (default: from the folder's name)")
    init.add_argument("--format", choices=formats, default="text")


def system_name(folder: Path, given: str | None) -> str:
    """A valid system name: the one given, else the folder's name made one."""
    from sigen.compile.validate.values import NAME_RE

    if given is not None:
        return given
    made = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    return made if made and NAME_RE.fullmatch(made) else "example"


def project_files(name: str) -> dict[str, str]:
    """The files of a new project, by path inside it."""
    from sigen import __version__
    from sigen.compile.library import roles_dir
    from sigen.compile.schema_export import json_schema_text

    values = {"@@NAME@@": name, "@@TITLE@@": name.replace("-", " ").capitalize(),
              "@@VERSION@@": __version__, "@@VAULT@@": name.replace("-", "_"),
              "@@SCHEMA@@": _SCHEMA}

    def fill(template: str) -> str:
        text = (_SKELETON / template).read_text("utf-8")
        for key, value in values.items():
            text = text.replace(key, value)
        return text

    return {f"blueprints/{name}.yml": fill("blueprint.yml"),
            f"blueprints/{_SCHEMA}": json_schema_text(roles_dir()),
            ".pre-commit-config.yaml": fill("pre-commit-config.yaml"),
            ".github/workflows/sigen.yml": fill("ci.yml"),
            "README.md": fill("README.md")}


def run(args: argparse.Namespace) -> int:
    from sigen.cli.results import emit
    from sigen.compile.validate.values import NAME_RE
    from sigen.diagnostics import Diagnostic, SigenError, about_file
    from sigen.sync.writer import atomic_write

    name = system_name(args.dir, args.name)
    if not NAME_RE.fullmatch(name):
        raise SigenError([Diagnostic("--name", 0, 0, "SG106", f"{name!r} is not a system "
                                     "name: lower-case letters, digits and -, starting with "
                                     "a letter or digit")])
    files = project_files(name)
    there = [rel for rel in files if (args.dir / rel).exists()]
    if there:
        raise SigenError([about_file(args.dir / rel, "SG912",
                                     "exists already: sigen init overwrites nothing; start "
                                     "in an empty folder, or move the file away")
                          for rel in there])
    for rel, text in files.items():
        (args.dir / rel).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(args.dir / rel, text.encode())
    if args.format == "json":
        emit("init", 0, {"dir": str(args.dir), "name": name, "created": sorted(files)})
        return 0
    for rel in files:
        print(f"  created  {args.dir / rel}")
    print(f"sigen: started {name} in {args.dir}; next: edit blueprints/{name}.yml, then "
          f"sigen validate and sigen build blueprints/{name}.yml (README.md says more)")
    return 0
