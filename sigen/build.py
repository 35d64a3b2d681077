"""The pipeline: load -> validate -> model -> plan -> render -> write.

``render_blueprint`` does everything in memory (tests diff its result against golden trees);
``build`` then hands the files to the writer. Nothing is written when the blueprint is
invalid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sigen.diagnostics import SigenError
from sigen.gcpause import collector_paused
from sigen.loader import LoadedBlueprint, load_blueprint
from sigen.model import build_model
from sigen.plan import Plan, make_plan
from sigen.render import ansible, documents
from sigen.validate import validate_blueprint
from sigen.writer import WriteResult, write_tree

__all__ = ["BuildResult", "Rendered", "build", "render_blueprint", "render_loaded"]


def _version() -> str:
    from sigen import __version__

    return __version__


@dataclass(frozen=True)
class Rendered:
    plan: Plan
    files: dict[str, bytes]


@dataclass(frozen=True)
class BuildResult:
    """What ``build`` wrote: the output folder, the plan and the changes to the folder."""

    out: Path
    plan: Plan
    files: int
    write: WriteResult


def render_loaded(loaded: LoadedBlueprint, roles_dir: Path) -> Rendered:
    """Validate a loaded blueprint and render every output file in memory."""
    with collector_paused():
        errors = [d for d in validate_blueprint(loaded, roles_dir) if d.severity == "error"]
        if errors:
            raise SigenError(errors)
        plan = make_plan(build_model(loaded))
        version = _version()
        files = ansible.render(plan, roles_dir, version)
        files.update(documents.render(plan, version))
    return Rendered(plan, dict(sorted(files.items())))


def render_blueprint(blueprint: Path, roles_dir: Path) -> Rendered:
    """Load, validate and render ``blueprint`` in memory (raises SigenError if invalid)."""
    return render_loaded(load_blueprint(blueprint), roles_dir)


def build(blueprint: Path, out: Path, roles_dir: Path) -> BuildResult:
    """Compile ``blueprint`` into the folder ``out`` (replaced as a whole, or left as it was)."""
    rendered = render_blueprint(blueprint, roles_dir)
    result = write_tree(rendered.files, out)
    return BuildResult(out, rendered.plan, len(rendered.files), result)
