"""The pipeline: load -> validate -> model -> plan -> render -> write.

``render_loaded`` does everything in memory (tests diff its result against golden trees);
``render_for`` renders what a build into an existing folder would produce (its evidence and
revision history continued); ``build`` then hands the files to the writer, under the
folder's lock, and does nothing at all when no input changed. ``check_output`` and
``preview`` compare what a build would write with the folder. Nothing is written when the
blueprint is invalid.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sigen.compile.change import numbered
from sigen.compile.documents import documents as document_set
from sigen.compile.evidence import read_evidence
from sigen.compile.gcpause import collector_paused
from sigen.compile.loader import LoadedBlueprint, load_blueprint
from sigen.compile.model import build_model
from sigen.compile.parts import PartsLoader, decode, encode
from sigen.compile.plan_checks import check_plan
from sigen.compile.planner import make_plan
from sigen.compile.revisions import (
    change_facts,
    check_date,
    history_bytes,
    next_history,
    read_history,
    today,
)
from sigen.compile.validate import validate_blueprint
from sigen.compile.validate.unseen import SeenEntries
from sigen.diagnostics import Diagnostic, SigenError, about_file
from sigen.plan import Evidence, Plan, Revision
from sigen.plan.evidence import REVISIONS
from sigen.render import ansible, documents
from sigen.render.formats.model import FormatError
from sigen.render.memo import remembering
from sigen.sync.cache import Store
from sigen.sync.check import compare_tree
from sigen.sync.incremental import (
    generator_hash,
    inputs_of,
    is_up_to_date,
    records_hash,
    remember_inputs,
)
from sigen.sync.lock import output_lock
from sigen.sync.manifest import (
    CACHE,
    GITIGNORE,
    STATE,
    Manifest,
    content_hash,
    read_json,
    read_manifest,
)
from sigen.sync.semdiff import SYSTEM, compare, summarize, summary_bytes
from sigen.sync.writer import WriteResult, check_target, diff_tree, write_tree

__all__ = ["BuildResult", "Options", "Rendered", "build", "check_output", "plan_for", "preview",
           "render_blueprint", "render_for", "render_loaded", "role_docs", "role_readmes"]


# Lines of changes one revision records; a larger change is counted, not listed (the table
# is for approvers; `sigen diff` lists everything).
_REVISION_LINES = 12


def _version() -> str:
    from sigen import __version__

    return __version__


@dataclass(frozen=True)
class Rendered:
    """Every output file in memory, the plan they were rendered from (its revisions are
    the history they show), and the changes of the system since the previous build (lines
    of text; empty for a first build)."""

    plan: Plan
    files: dict[str, bytes]
    changes: tuple[str, ...] = ()
    new_revision: Revision | None = None

    @property
    def history(self) -> tuple[Revision, ...]:
        return self.plan.revisions


@dataclass(frozen=True)
class BuildResult:
    """What ``build`` wrote: the output folder, the plan (None when nothing needed
    rendering), the number of generated files and the changes to the folder."""

    out: Path
    plan: Plan | None
    files: int
    write: WriteResult
    revision: Revision | None = field(default=None)


@dataclass(frozen=True)
class Options:
    """What a build writes beyond what the blueprint says: the languages and formats of the
    documents (``sigen build --languages --formats``; empty: the blueprint's). A folder
    remembers the options it was built with (in its manifest's inputs), and later builds,
    checks and diffs of it use them until others are given."""

    languages: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()

    def text(self) -> str:
        """As the manifest keeps it ("" when the blueprint decides everything)."""
        parts = [f"{k}={','.join(v)}" for k, v in (("languages", self.languages),
                                                   ("formats", self.formats)) if v]
        return ";".join(parts)

    @classmethod
    def of(cls, out: Path) -> Options:
        """The options ``out`` was last built with."""
        manifest = read_manifest(out)
        text = manifest.inputs.get("options", "") if manifest else ""
        found = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
        return cls(tuple(v for v in found.get("languages", "").split(",") if v),
                   tuple(v for v in found.get("formats", "").split(",") if v))


def plan_for(loaded: LoadedBlueprint, roles_dir: Path, evidence: Evidence | None = None,
             unseen: Any = None, options: Options = Options()) -> Plan:
    """Validate a loaded blueprint and make its plan (raises SigenError if invalid)."""
    with collector_paused():
        errors = [d for d in validate_blueprint(loaded, roles_dir, unseen)
                  if d.severity == "error"]
        if errors:
            raise SigenError(errors)
        model = build_model(loaded)
        docs = document_set(loaded.data, loaded.path, system=model.name, owner=model.owner,
                            languages=options.languages, formats=options.formats)
        plan = make_plan(model, evidence, roles_dir, docs)
        errors = check_plan(plan, loaded, warnings=False)
        if errors:
            raise SigenError(errors)
        return plan


def render_loaded(loaded: LoadedBlueprint, roles_dir: Path, *,
                  previous: Mapping[str, Any] | None = None,
                  history: Sequence[Revision] = (), author: str | None = None,
                  date: str | None = None, entries: SeenEntries | None = None,
                  evidence: Evidence | None = None, options: Options = Options()) -> Rendered:
    """Validate a loaded blueprint and render every output file in memory.

    ``previous`` is the system summary of the last build and ``history`` its revisions: a
    changed system gets a new revision by ``author`` (default: the owner) on ``date``.
    ``entries`` lets the checks of single entries skip those that passed last time;
    ``evidence`` holds the records of earlier runs the reports show."""
    plan = plan_for(loaded, roles_dir, evidence, entries.unseen if entries else None, options)
    with collector_paused():
        version = _version()
        summary = summarize(plan)
        changes = compare(previous, summary) if history else []
        lines = documents.describe_changes(changes, initial=not history,
                                           limit=_REVISION_LINES)
        system = summary_bytes(summary)
        if history and previous is not None and not changes:
            # The same system, summarised anew (a newer sigen summarises more): the last
            # revision describes it still; no new revision.
            history = [*history[:-1], replace(history[-1], system=content_hash(system))]
        revisions = next_history(history, content_hash(system), lines,
                                 author or plan.blueprint.owner, date or today(),
                                 change_facts(changes, initial=not history))
        plan = replace(plan, revisions=tuple(revisions))
        if plan.change is not None:
            plan = replace(plan, change=replace(plan.change, number=numbered(
                plan.change, plan.blueprint.name, revisions[-1].version)))
        files = ansible.render(plan, version)
        try:
            files.update(documents.render(plan, version))
        except FormatError as exc:
            raise SigenError([Diagnostic(str(loaded.path), 1, 1, "SG803",
                                         f"the documents cannot be written: {exc}")]) from None
        files[SYSTEM] = system
        files[f"{STATE}/.gitignore"] = GITIGNORE
    added = revisions[-1] if len(revisions) > len(history) else None
    return Rendered(plan, dict(sorted(files.items())),
                    tuple(documents.describe_changes(changes)) if changes else (), added)


def render_blueprint(blueprint: Path, roles_dir: Path) -> Rendered:
    """Load, validate and render ``blueprint`` in memory (raises SigenError if invalid)."""
    return render_loaded(load_blueprint(blueprint), roles_dir)


def render_for(blueprint: Path, out: Path, roles_dir: Path, *, author: str | None = None,
               date: str | None = None, entries: SeenEntries | None = None,
               parts: PartsLoader | None = None, options: Options | None = None) -> Rendered:
    """What a build of ``blueprint`` into ``out`` would write (reads ``out``, writes
    nothing): the evidence, revision history and system summary found there are continued.
    The caches (the incremental build's) skip work whose result is known; ``check`` uses
    none. ``options`` default to those ``out`` was built with."""
    check_date(date or "")
    previous = read_json(out / SYSTEM)
    loaded = parts.load(blueprint) if parts else load_blueprint(blueprint)
    return render_loaded(loaded, roles_dir,
                         previous=previous if isinstance(previous, dict) else None,
                         history=read_history(out), author=author, date=date,
                         entries=entries, evidence=read_evidence(out),
                         options=options if options is not None else Options.of(out))


@contextlib.contextmanager
def _locked(out: Path, force: bool) -> Iterator[None]:
    check_target(out, force=force)
    with output_lock(out):
        yield


def build(blueprint: Path, out: Path, roles_dir: Path, *, force: bool = False,
          keep_edits: bool = False, author: str | None = None,
          date: str | None = None, options: Options | None = None,
          before_write: Callable[[Plan], None] | None = None) -> BuildResult:
    """Compile ``blueprint`` into the folder ``out``, changing only files whose content
    changes; nothing at all when no input changed since the last build.

    A file edited by hand stops the build (SigenError SG902) unless ``force`` (overwrite
    it) or ``keep_edits`` (write the new version beside it as ``<file>.new``).
    ``before_write`` sees the plan before anything is written and may refuse it by raising
    (a command checks its own arguments against the plan so); it is not called when the
    folder is up to date (nothing is written then)."""
    check_date(date or "")
    check_target(out, force=force)
    options = options if options is not None else Options.of(out)
    inputs = inputs_of(blueprint, roles_dir, out)
    if options.text():
        inputs["options"] = options.text()
    existing = (out / STATE).is_dir()
    # An earlier output: lock before reading it. A new folder is only created once the
    # blueprint proved valid, so the lock waits until then.
    with _locked(out, force) if existing else contextlib.nullcontext():
        if existing and is_up_to_date(out, inputs):
            manifest = read_manifest(out)
            count = len(manifest.files) if manifest else 0
            return BuildResult(out, None, count, WriteResult(out, (), (), (), count))
        salt = generator_hash()
        entries = Store(out, "entries", salt + inputs["roles"])
        parts = Store(out, "load", salt, decode=decode)
        texts = Store(out, "yaml", salt)
        with documents.compiled_templates_in(out / CACHE / "templates") as save_templates, \
                remembering(texts):
            rendered = render_for(blueprint, out, roles_dir, author=author, date=date,
                                  entries=SeenEntries(entries), parts=PartsLoader(parts),
                                  options=options)
        if before_write is not None:
            before_write(rendered.plan)
        records = history_bytes(rendered.history)
        inputs = {**inputs, "blueprint": rendered.plan.blueprint.sha256,
                  "records": records_hash(out, {REVISIONS: records})}
        with contextlib.nullcontext() if existing else _locked(out, force):
            result = write_tree(rendered.files, out, manifest=Manifest(_version(), inputs),
                                data={REVISIONS: records}, force=force, beside=keep_edits)
            done = BuildResult(out, rendered.plan, len(rendered.files), result,
                               rendered.new_revision)
            # The files are written: let them go before the caches are (at 10,000 hosts
            # they are some hundred MB, and the caches as many while saved).
            del rendered
            # The tree is complete and its manifest written: what follows only spares the
            # next build some work, and never fails this one (a full disk, say).
            with contextlib.suppress(OSError):
                remember_inputs(out, inputs)
            entries.save(always=True)
            parts.save(encode)
            texts.save()
            with contextlib.suppress(OSError):
                save_templates()
    return done


def check_output(blueprint: Path, out: Path, roles_dir: Path, *, author: str | None = None,
                 date: str | None = None, options: Options | None = None
                 ) -> tuple[Rendered, list[Diagnostic]]:
    """Render ``blueprint`` as a build into ``out`` would and compare; no diagnostics means
    the folder is up to date. Raises SigenError when the blueprint is invalid.

    The blueprint is always rendered in full (a check must not trust the shortcuts of the
    incremental build: it is what CI runs after sigen itself changed)."""
    rendered = render_for(blueprint, out, roles_dir, author=author, date=date,
                          options=options)
    if not out.is_dir():
        return rendered, [Diagnostic(str(out), 0, 0, "SG905",
                                     "the output folder does not exist; run sigen build")]
    return rendered, compare_tree(rendered.files, out)


def preview(blueprint: Path, out: Path, roles_dir: Path, *, author: str | None = None,
            date: str | None = None, options: Options | None = None
            ) -> tuple[Rendered, WriteResult]:
    """What ``sigen build`` would do to ``out``: the rendered files and the changes."""
    rendered = render_for(blueprint, out, roles_dir, author=author, date=date,
                          options=options)
    return rendered, diff_tree(rendered.files, out)


def role_readmes(roles_dir: Path) -> dict[str, bytes]:
    """The README of every role of the library (``<role>/README.md``), from the same facts
    as the component documents: its metadata, argument specs and molecule scenarios."""
    from sigen.compile.components import role_infos
    from sigen.render.role_readme import readmes

    names = sorted(p.name for p in roles_dir.iterdir()
                   if (p / "meta" / "main.yml").is_file()) if roles_dir.is_dir() else []
    return readmes(role_infos(roles_dir, names))


def role_docs(roles_dir: Path, *, write: bool) -> list[Diagnostic]:
    """Compare the role READMEs with what the library makes of them (SG904 for each one out
    of date, SG905 for each missing); with ``write``, bring them up to date instead."""
    from sigen.sync.writer import atomic_write

    stale = []
    for rel, content in role_readmes(roles_dir).items():
        path = roles_dir / rel
        current = path.read_bytes() if path.is_file() else None
        if current == content:
            continue
        if write:
            atomic_write(path, content)
            continue
        code, what = (("SG905", "missing") if current is None else
                      ("SG904", "out of date with the role's metadata, argument specs or "
                       "molecule scenarios"))
        stale.append(about_file(path, code, f"{rel} is {what}: run sigen role-docs"))
    return stale
