"""The pipeline: load -> validate -> model -> plan -> render -> write.

``render_blueprint`` does everything in memory (tests diff its result against golden trees);
``render_for`` renders what a build into an existing folder would produce (its revision
history continued); ``build`` then hands the files to the writer, under the folder's lock,
and does nothing at all when no input changed. Nothing is written when the blueprint is
invalid.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigen.diagnostics import SigenError
from sigen.drill_records import read_drills
from sigen.emit_cache import EmitCache
from sigen.entry_cache import EntryCache
from sigen.gcpause import collector_paused
from sigen.incremental import (
    generator_hash,
    inputs_of,
    is_up_to_date,
    records_hash,
    remember_inputs,
)
from sigen.load_cache import LoadCache
from sigen.loader import LoadedBlueprint, load_blueprint
from sigen.lock import output_lock
from sigen.manifest import CACHE, GITIGNORE, STATE, Manifest, content_hash, read_json, read_manifest
from sigen.model import build_model
from sigen.plan import Plan, make_plan
from sigen.render import ansible, documents
from sigen.revisions import (
    REVISIONS,
    Revision,
    check_date,
    history_bytes,
    next_history,
    read_history,
)
from sigen.semdiff import SYSTEM, compare, summarize, summary_bytes
from sigen.validate import validate_blueprint
from sigen.verify_records import read_runs
from sigen.writer import WriteResult, check_target, write_tree

__all__ = ["BuildResult", "Rendered", "build", "render_blueprint", "render_for",
           "render_loaded"]


# Lines of changes one revision records; a larger change is counted, not listed (the table
# is for approvers; `sigen diff` lists everything).
_REVISION_LINES = 12


def _version() -> str:
    from sigen import __version__

    return __version__


@dataclass(frozen=True)
class Rendered:
    """Every output file in memory, the revision history they show, and the changes of
    the system since the previous build (lines of text; empty for a first build)."""

    plan: Plan
    files: dict[str, bytes]
    history: tuple[Revision, ...] = ()
    changes: tuple[str, ...] = ()
    new_revision: Revision | None = None


@dataclass(frozen=True)
class BuildResult:
    """What ``build`` wrote: the output folder, the plan (None when nothing needed
    rendering), the number of generated files and the changes to the folder."""

    out: Path
    plan: Plan | None
    files: int
    write: WriteResult
    revision: Revision | None = field(default=None)


def render_loaded(loaded: LoadedBlueprint, roles_dir: Path, *,
                  previous: Mapping[str, Any] | None = None,
                  history: Sequence[Revision] = (), author: str | None = None,
                  date: str | None = None, entry_cache: EntryCache | None = None,
                  runs: Sequence[Mapping[str, Any]] = (),
                  drills: Sequence[Mapping[str, Any]] = ()) -> Rendered:
    """Validate a loaded blueprint and render every output file in memory.

    ``previous`` is the system summary of the last build and ``history`` its revisions: a
    changed system gets a new revision by ``author`` (default: the owner) on ``date``.
    ``entry_cache`` lets the checks of single entries skip those that passed last time."""
    with collector_paused():
        unseen = entry_cache.unseen if entry_cache else None
        errors = [d for d in validate_blueprint(loaded, roles_dir, unseen)
                  if d.severity == "error"]
        if errors:
            raise SigenError(errors)
        plan = make_plan(build_model(loaded))
        version = _version()
        summary = summarize(plan)
        changes = compare(previous, summary) if history else []
        lines = documents.describe_changes(changes, initial=not history,
                                           limit=_REVISION_LINES)
        system = summary_bytes(summary)
        revisions = next_history(history, content_hash(system), lines,
                                 author or plan.blueprint.owner, date or "")
        files = ansible.render(plan, roles_dir, version)
        files.update(documents.render(plan, version, revisions=revisions, runs=runs,
                                      drills=drills))
        files[SYSTEM] = system
        files[f"{STATE}/.gitignore"] = GITIGNORE
    added = revisions[-1] if len(revisions) > len(history) else None
    return Rendered(plan, dict(sorted(files.items())), tuple(revisions),
                    tuple(documents.describe_changes(changes)) if changes else (), added)


def render_blueprint(blueprint: Path, roles_dir: Path) -> Rendered:
    """Load, validate and render ``blueprint`` in memory (raises SigenError if invalid)."""
    return render_loaded(load_blueprint(blueprint), roles_dir)


def render_for(blueprint: Path, out: Path, roles_dir: Path, *, author: str | None = None,
               date: str | None = None, entry_cache: EntryCache | None = None,
               load_cache: LoadCache | None = None) -> Rendered:
    """What a build of ``blueprint`` into ``out`` would write (reads ``out``, writes
    nothing): the revision history and system summary found there are continued. The
    caches (the incremental build's) skip work whose result is known; ``check`` uses none."""
    check_date(date or "")
    previous = read_json(out / SYSTEM)
    loaded = load_cache.load(blueprint) if load_cache else load_blueprint(blueprint)
    return render_loaded(loaded, roles_dir,
                         previous=previous if isinstance(previous, dict) else None,
                         history=read_history(out), author=author, date=date,
                         entry_cache=entry_cache, runs=read_runs(out),
                         drills=read_drills(out))


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    check_target(out)
    with output_lock(out):
        yield


def build(blueprint: Path, out: Path, roles_dir: Path, *, force: bool = False,
          keep_edits: bool = False, author: str | None = None,
          date: str | None = None) -> BuildResult:
    """Compile ``blueprint`` into the folder ``out``, changing only files whose content
    changes; nothing at all when no input changed since the last build.

    A file edited by hand stops the build (SigenError SG902) unless ``force`` (overwrite
    it) or ``keep_edits`` (write the new version beside it as ``<file>.new``)."""
    check_date(date or "")
    inputs = inputs_of(blueprint, roles_dir, out)
    existing = (out / STATE).is_dir()
    # An earlier output: lock before reading it. A new folder is only created once the
    # blueprint proved valid, so the lock waits until then.
    with _locked(out) if existing else contextlib.nullcontext():
        if existing and is_up_to_date(out, inputs):
            manifest = read_manifest(out)
            count = len(manifest.files) if manifest else 0
            return BuildResult(out, None, count, WriteResult(out, (), (), (), count))
        entry_cache = EntryCache(out, generator_hash() + inputs["roles"])
        load_cache = LoadCache(out, generator_hash())
        emit_cache = EmitCache(out, generator_hash())
        with documents.compiled_templates_in(out / CACHE / "templates") as save_templates, \
                emit_cache.active():
            rendered = render_for(blueprint, out, roles_dir, author=author, date=date,
                                  entry_cache=entry_cache, load_cache=load_cache)
        records = history_bytes(rendered.history)
        inputs = {**inputs, "blueprint": rendered.plan.blueprint.sha256,
                  "records": records_hash(out, {REVISIONS: records})}
        with contextlib.nullcontext() if existing else _locked(out):
            result = write_tree(rendered.files, out, manifest=Manifest(_version(), inputs),
                                data={REVISIONS: records}, force=force, beside=keep_edits)
            remember_inputs(out, inputs)
            entry_cache.save()
            load_cache.save()
            emit_cache.save()
            save_templates()
    return BuildResult(out, rendered.plan, len(rendered.files), result,
                       rendered.new_revision)
