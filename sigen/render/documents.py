"""The plans: installation, backup/restore and disaster drill, and the reports, as Markdown.

Prose lives in Jinja templates under ``sigen/templates/<language>/``; one environment with
``StrictUndefined`` renders them. Every value printed from the plan is escaped for Markdown
by ``finalize`` (so a ``|`` in a name cannot break a table and ``<script>`` stays text); user
text is only ever data, never template source. The templates format plan facts: a fact they
print comes from the same field of the plan as the configuration that enacts it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from sigen.plan import Host, Plan, inventory_file
from sigen.plan.evidence import Change
from sigen.plan.steps import FORKS
from sigen.render import diagrams, reports, scale, words
from sigen.render.diagrams import design, equipment, schedule
from sigen.render.markdown import (
    Md,
    ansible_doc,
    code,
    duration,
    md_escape,
    mermaid,
    minutes,
    money,
    number,
)
from sigen.render.memo import recalled

__all__ = ["DOCUMENTS", "DRILL_REPORTS", "REPORTS", "compiled_templates_in",
           "describe_changes", "one_blank_line", "render", "template"]

DOCUMENTS = ("installation-plan.md", "backup-restore-plan.md", "disaster-drill-plan.md",
             "equipment-layout.md", "host-layout.md", "system-design.md", "software-build.md",
             "host-evaluation.md", "component-evaluation.md", "team-chart.md",
             "component-list.md")
# Rendered from the plan and the measured records (verification and inventory runs) in it.
REPORTS = ("test-report.md", "verification-checklist.md", "lab-report.md",
           "system-inventory.md", "completion-report.md")
# One report per drill run, in each language: docs/<language>/drill-reports/<run>.md.
DRILL_REPORTS = "drill-reports"
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _section(stamp: str, macro: Callable[..., str], *args: Any) -> Md:
    """``macro(*args)``, as Markdown; in an incremental build the text it made last time
    for equal arguments (the per-host sections of the reports, 160,000 checks at 10,000
    hosts). ``stamp`` names the macro: it must read nothing but its arguments."""
    return Md(recalled(args, stamp, lambda: str(macro(*args))))


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The one Jinja environment (compiled templates are kept for the next render)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: escaping is finalize's job
        finalize=md_escape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["code"] = code
    env.filters["duration"] = duration
    env.filters["minutes"] = minutes
    env.filters["md"] = Md
    env.filters["money"] = money
    env.filters["mermaid"] = mermaid
    env.filters["ansible_doc"] = ansible_doc
    env.filters["number"] = number
    env.globals["section"] = _section
    return env


class _BytecodeKeptLater(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache in a folder, writing what it compiled only on ``save``: a
    first build into a new folder creates nothing there until the blueprint proved valid,
    yet keeps its compiled templates for the next build."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self._folder = folder
        self._compiled: list[jinja2.bccache.Bucket] = []

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        # A cache never fails a build: unreadable, the template is compiled again.
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled.append(bucket)

    def save(self) -> None:
        if self._compiled:
            self._folder.mkdir(parents=True, exist_ok=True)
            for bucket in self._compiled:
                super().dump_bytecode(bucket)
            self._compiled.clear()


@contextlib.contextmanager
def compiled_templates_in(folder: Path | None) -> Iterator[Callable[[], None]]:
    """While inside, load compiled templates from ``folder`` (Jinja's bytecode cache, keyed
    by each template's source): compiling them is 0.45 s of a build. Gives the function
    that writes the templates compiled meanwhile to ``folder``, for the next build (call it
    once the build is written)."""
    environments = (_environment(), _text_environment())
    if folder is None:
        yield lambda: None
        return
    cache = _BytecodeKeptLater(folder)
    for env in environments:
        env.bytecode_cache = cache
    try:
        yield cache.save
    finally:
        for env in environments:
            env.bytecode_cache = None


@functools.lru_cache(maxsize=1)
def _text_environment() -> jinja2.Environment:
    """Plain text (no Markdown escaping) for lines shown both in a terminal and, escaped
    then, in the plans: the summaries of changes."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)), undefined=jinja2.StrictUndefined,
        autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )


def describe_changes(changes: Sequence[Change], initial: bool = False,
                     language: str = "en", limit: int | None = None) -> list[str]:
    """One line of text per change of the system (``Initial issue`` for the first one);
    with ``limit``, that many lines and one that counts the rest."""
    text = _text_environment().get_template(f"{language}/changes.txt.j2").render(
        changes=changes, initial=initial, limit=limit)
    return [line for line in text.splitlines() if line.strip()]


def _hosts_text(hosts: Sequence[Host], limit: int = 12) -> str:
    names = [h.name for h in hosts]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


def _context(plan: Plan, version: str) -> dict[str, Any]:
    bp = plan.blueprint
    env = plan.default_env
    return {
        "bp": bp,
        "plan": plan,
        "version": version,
        "revisions": plan.revisions,
        "env": env,
        "inventory": inventory_file(env.name),
        "secrets": plan.secrets,
        "hosts_text": _hosts_text,
        "bak_of": plan.backup_of,
        "rst_of": plan.restore_of,
        "step_of_service": plan.step_of_service,
        # The plans key a host's row by the host's repr, which leaves its services out.
        "service_names_of": {h.name: [s.name for s in h.services] for h in bp.hosts},
        "flows_to": plan.flows,
        "drill_runs": plan.evidence.drill_runs,
        "forks": FORKS,
    }


def template(name: str) -> jinja2.Template:
    """A template of the one environment (``sigen/templates/<name>``)."""
    return _environment().get_template(name)


def one_blank_line(text: str) -> str:
    """``text`` with runs of blank lines made one (the templates leave some where optional
    parts are left out) and one newline at the end. str.replace, not a regular
    expression: a quarter of the time over the 19 MB test report of 10,000 hosts."""
    while "\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n").replace("\n\n\n", "\n\n")
    return text.rstrip("\n") + "\n"


def _stamp(plan: Plan, version: str) -> str:
    return (f"<!-- Generated by sigen {version} from blueprint sha256:"
            f"{plan.blueprint.sha256}. Do not edit: change the blueprint and run sigen build"
            " again. -->\n")


def render(plan: Plan, version: str) -> dict[str, bytes]:
    """The plans and reports of ``plan`` in each of its languages, as Markdown, by output
    path (``docs/<language>/<name>``), each with the plan's cover and revision table, and
    one report per drill run of its evidence."""
    out: dict[str, bytes] = {}
    for language in plan.documents.languages:
        out.update(render_language(plan, version, language))
    return out


def render_language(plan: Plan, version: str, language: str) -> dict[str, bytes]:
    env = _environment()
    context = _context(plan, version)
    context.update(reports.context(plan))
    context.update(scale.context(plan))
    context.update(words.context(plan, language, describe_changes))
    drawn = diagrams.drawings(plan, context["term"])
    context.update(_diagram_context(plan, drawn, context["term"]))
    hook = diagrams.svg_of(drawn)
    stamp = _stamp(plan, version)
    out: dict[str, bytes] = {}
    folder = f"docs/{language}"
    for name in DOCUMENTS + REPORTS:
        doc = name.removesuffix(".md")
        control = words.document(plan, language, doc)
        text = env.get_template(f"{language}/{name}.j2").render({**context, **control})
        out.update(_formats(plan, f"{folder}/{doc}", stamp + one_blank_line(text),
                            language, f"{control['doc_title']}: {plan.blueprint.title}",
                            hook))
    report = env.get_template(f"{language}/drill-report.md.j2")
    for record in plan.evidence.drill_runs:
        control = words.report(plan, language, record)
        text = report.render({**context, **control, "r": record})
        out.update(_formats(plan, f"{folder}/{DRILL_REPORTS}/{record['name']}",
                            stamp + one_blank_line(text), language,
                            f"{control['doc_title']}: {record['name']}", hook))
    return out


def _diagram_context(plan: Plan, drawn: dict[str, diagrams.Drawing],
                     term: Callable[[str], str]) -> dict[str, Any]:
    """What the diagram documents print beside the diagrams: the Mermaid of each, the racks
    of each site with what occupies their units, the flows merged as the design draws them,
    the schedule's bars."""
    bp = plan.blueprint
    sites = []
    for site in bp.sites:
        key = f"equipment:{site.name}"
        if key not in drawn:
            continue
        racks = []
        for rack in bp.racks:
            if rack.site is site:
                runs = equipment.elevation(rack)
                racks.append({"rack": rack, "runs": runs, "used": sum(
                    r.last - r.first + 1 for r in runs if r.host or r.item)})
        graph = drawn[key].graph
        sites.append({"site": site, "racks": racks, "diagram": Md(drawn[key].mermaid),
                      "loose": equipment.unmounted(bp, site),
                      "per_rack": graph is not None and not any(
                          n.shape == "rack" for n in graph.all_nodes()),
                      "racks_to_a_box": len(racks) > equipment.RACK_LIMIT})
    vms_on: dict[str, list[Host]] = {}
    for host in bp.hosts:
        if host.vm is not None:
            vms_on.setdefault(host.vm.hypervisor or host.vm.cluster, []).append(host)
    return {
        "diagram": {key: Md(d.mermaid) for key, d in drawn.items()},
        "vms_on": vms_on,
        "equipment_sites": sites,
        "attachments": lambda host: equipment.attachments(host, term),
        "design_links": design.links(plan, term),
        "drawn_kinds": design.DRAWN_KINDS,
        "schedule_bars": schedule.bars(plan, term),
    }


def _formats(plan: Plan, path: str, markdown: str, language: str, title: str,
             hook: Callable[[str], bytes | None]) -> dict[str, bytes]:
    """The document in every format the plan asks for, by path (``<path>.<format>``)."""
    docs = plan.documents
    fmts = docs.formats
    if fmts == ("md",):
        return {f"{path}.md": markdown.encode()}
    from sigen.render.formats import convert_all

    templates = {fmt: Path(value) for fmt, value in (("docx", docs.word_template),
                                                      ("pdf", docs.pdf_template)) if value}
    latest = plan.revisions[-1].date if plan.revisions else ""
    made = convert_all(markdown, fmts, language=language, title=title,
                       date=latest or _UNDATED, templates=templates,
                       stylesheet=Path(docs.stylesheet) if docs.stylesheet else None,
                       diagram=hook)
    return {f"{path}.{fmt}": content for fmt, content in made.items()}


# The metadata date of a document whose revision has no date (a record of an older sigen).
_UNDATED = "2000-01-01"
